/**
 * Override review (`/admin/overrides`), the page shell: overridden cards, newest first, a page at a time, from
 * `GET /api/overrides`. Filters, the detail view and review marking come with the review API.
 */
import { useEffect, useState } from 'preact/hooks';
import { reviewApi } from '../api';
import type { ApiResult, OverridesPage } from '../api';
import { INDICATOR_LABELS, formatDayTime } from '../format';
import { Loading, Problem } from '../refusal';

export function OverridesList() {
  const [page, setPage] = useState(1);
  const [result, setResult] = useState<ApiResult<OverridesPage> | undefined>(undefined);
  useEffect(() => {
    setResult(undefined);
    void reviewApi.overrides(page).then(setResult);
  }, [page]);

  return (
    <main class="wide">
      <h1>Override review</h1>
      {!result ? (
        <Loading />
      ) : !result.ok ? (
        <Problem status={result.status} message={result.message} />
      ) : (
        <OverridesTable value={result.value} onPage={setPage} />
      )}
    </main>
  );
}

function OverridesTable({
  value,
  onPage,
}: {
  readonly value: OverridesPage;
  readonly onPage: (n: number) => void;
}) {
  const { items, total, page, pageSize } = value;
  if (total === 0) return <p>No overridden alerts.</p>;
  const first = (page - 1) * pageSize + 1;
  const last = first + items.length - 1;
  const pages = Math.max(1, Math.ceil(total / pageSize));
  return (
    <>
      <table>
        <caption class="lead">
          Overridden alerts {first}–{last} of {total}, newest first
        </caption>
        <thead>
          <tr>
            <th scope="col">Overridden</th>
            <th scope="col">Alert</th>
            <th scope="col">Drug</th>
            <th scope="col">Reason</th>
            <th scope="col">Reviewed</th>
          </tr>
        </thead>
        <tbody>
          {items.map((o) => (
            <tr key={o.cardUuid}>
              <td>{formatDayTime(o.overriddenAt)}</td>
              <td>
                <span class={`badge badge-${o.indicator}`}>{INDICATOR_LABELS[o.indicator]}</span> {o.summary}
              </td>
              <td>{o.drug ?? ''}</td>
              <td>{o.reason?.display ?? o.reason?.code ?? 'none given'}</td>
              <td>{o.reviewed ? 'Yes' : 'No'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <nav class="pager" aria-label="Pages of overrides">
        <button
          type="button"
          class="secondary"
          disabled={page <= 1}
          onClick={() => {
            onPage(page - 1);
          }}
        >
          Newer
        </button>
        <span>
          Page {page} of {pages}
        </span>
        <button
          type="button"
          class="secondary"
          disabled={page >= pages}
          onClick={() => {
            onPage(page + 1);
          }}
        >
          Older
        </button>
      </nav>
    </>
  );
}
