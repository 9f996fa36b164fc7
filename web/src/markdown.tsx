/**
 * The subset of GitHub-flavoured markdown the service's cards use (paragraphs, `- ` lists, `> ` quotes, a quote
 * nested in a list item as `  > `, `**bold**`, `[text](https://…)` links, backslash escapes), rendered as elements:
 * never as HTML, so card text cannot inject markup.
 */
import type { ComponentChildren } from 'preact';

function inline(text: string): ComponentChildren[] {
  const out: ComponentChildren[] = [];
  let plain = '';
  let i = 0;
  const flush = (): void => {
    if (plain) out.push(plain);
    plain = '';
  };
  while (i < text.length) {
    const ch = text[i] ?? '';
    if (ch === '\\' && i + 1 < text.length) {
      plain += text[i + 1] ?? '';
      i += 2;
      continue;
    }
    if (text.startsWith('**', i)) {
      const end = text.indexOf('**', i + 2);
      if (end > i + 2) {
        flush();
        out.push(<strong>{inline(text.slice(i + 2, end))}</strong>);
        i = end + 2;
        continue;
      }
    }
    if (ch === '[') {
      const link = /^\[((?:\\.|[^\]\\])+)\]\((https?:\/\/[^)\s]+)\)/.exec(text.slice(i));
      if (link) {
        flush();
        out.push(
          <a href={link[2] ?? ''} rel="noopener noreferrer" target="_blank">
            {inline(link[1] ?? '')}
          </a>,
        );
        i += link[0].length;
        continue;
      }
    }
    plain += ch;
    i += 1;
  }
  flush();
  return out;
}

/** A list item: its text, and a quote nested under it (lines indented to the item's content, `  > …`). */
interface Item {
  readonly text: string;
  readonly quote: string[];
}

type Block =
  | { readonly kind: 'p'; readonly lines: string[] }
  | { readonly kind: 'ul'; readonly items: Item[] }
  | { readonly kind: 'quote'; readonly lines: string[] };

function blocks(markdown: string): Block[] {
  const out: Block[] = [];
  let current: Block | undefined;
  for (const raw of markdown.split('\n')) {
    const line = raw.trimEnd();
    const last = out[out.length - 1];
    if (/^ {2,}>/.test(line) && last?.kind === 'ul') {
      // A quote inside the last list item (CommonMark: indented to the item's content), blank lines or not before it.
      last.items[last.items.length - 1]?.quote.push(line.replace(/^ +>\s?/, ''));
      current = last;
    } else if (line.startsWith('>')) {
      const text = line.replace(/^>\s?/, '');
      if (current?.kind !== 'quote') out.push((current = { kind: 'quote', lines: [] }));
      current.lines.push(text);
    } else if (/^\s*[-*] /.test(line)) {
      // Items separated by blank lines are still one list (a loose list).
      if (current?.kind !== 'ul' && last?.kind === 'ul' && current === undefined) current = last;
      if (current?.kind !== 'ul') out.push((current = { kind: 'ul', items: [] }));
      current.items.push({ text: line.replace(/^\s*[-*] /, ''), quote: [] });
    } else if (line.trim() === '') {
      current = undefined;
    } else {
      if (current?.kind !== 'p') out.push((current = { kind: 'p', lines: [] }));
      current.lines.push(line);
    }
  }
  return out;
}

/** Quoted lines as paragraphs (a line holding only `>` separates them). */
function Quote({ lines }: { readonly lines: readonly string[] }) {
  return (
    <blockquote>
      {lines
        .join('\n')
        .split(/\n\s*\n/)
        .map((para) => (
          <p>{inline(para.replace(/\n/g, ' '))}</p>
        ))}
    </blockquote>
  );
}

export function Markdown({ text }: { readonly text: string }) {
  return (
    <div class="markdown">
      {blocks(text).map((block) => {
        switch (block.kind) {
          case 'p':
            return <p>{inline(block.lines.join(' '))}</p>;
          case 'ul':
            return (
              <ul>
                {block.items.map((item) => (
                  <li>
                    {inline(item.text)}
                    {item.quote.length > 0 ? <Quote lines={item.quote} /> : null}
                  </li>
                ))}
              </ul>
            );
          case 'quote':
            return <Quote lines={block.lines} />;
        }
      })}
    </div>
  );
}
