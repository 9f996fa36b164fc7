/** A CDS Hooks card drawn the way an EHR draws it: indicator, summary, detail, source, suggestions. */
import type { Card } from './api';
import { INDICATOR_LABELS } from './format';
import { Markdown } from './markdown';

export function CardView({ card }: { readonly card: Card | Pick<Card, 'summary' | 'indicator'> }) {
  const full = 'source' in card ? card : undefined;
  return (
    <article class={`card card-${card.indicator}`} aria-label="The alert as it was shown">
      <p class="indicator">
        <span class={`badge badge-${card.indicator}`}>{INDICATOR_LABELS[card.indicator]}</span>
      </p>
      <h2 class="summary">{card.summary}</h2>
      {full?.detail ? <Markdown text={full.detail} /> : null}
      {full?.suggestions && full.suggestions.length > 0 ? (
        <div class="suggestions">
          <h3>Suggestions offered</h3>
          <ul>
            {full.suggestions.map((s) => (
              <li>{s.label}</li>
            ))}
          </ul>
        </div>
      ) : null}
      {full?.links && full.links.length > 0 ? (
        <ul class="links">
          {full.links.map((l) => (
            <li>
              <a href={l.url} rel="noopener noreferrer" target="_blank">
                {l.label}
              </a>
            </li>
          ))}
        </ul>
      ) : null}
      {full ? (
        <p class="source">
          Source:{' '}
          {full.source.url ? (
            <a href={full.source.url} rel="noopener noreferrer" target="_blank">
              {full.source.label}
            </a>
          ) : (
            full.source.label
          )}
        </p>
      ) : null}
    </article>
  );
}
