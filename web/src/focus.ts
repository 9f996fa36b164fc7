/**
 * Where the keyboard focus goes after an action (WCAG 2.2 SC 2.4.3 Focus Order, 3.2.2 On Input). A page that saves,
 * filters or pages replaces what was focused (a form is hidden, a list reloads) or disables it; the browser then
 * drops focus to `<body>` and a keyboard or screen reader user starts again from the top. Instead, focus moves to
 * what the action produced: the status message, the new list's caption, the heading of what replaced the form.
 */
import { useEffect, useRef } from 'preact/hooks';

/**
 * Focuses `el` (made focusable by script only, `tabindex=-1`, when it is not focusable already) and scrolls it into
 * view: a status line above the fold would otherwise change out of sight.
 */
export function focusResult(el: Element | null | undefined): void {
  if (!(el instanceof HTMLElement)) return;
  if (el.tabIndex < 0 && !el.hasAttribute('tabindex')) el.tabIndex = -1;
  el.focus({ preventScroll: true });
  el.scrollIntoView({ block: 'nearest' });
}

/**
 * Focus after the next render that shows the result: `request()` marks focus as owed; after each render `find()` is
 * asked for the element, and the first one it gives is focused (a list still loading gives none, so the focus waits
 * for the list). Returns `request`.
 */
export function useFocusAfter(find: () => Element | null | undefined): () => void {
  const owed = useRef(false);
  const finder = useRef(find);
  finder.current = find;
  useEffect(() => {
    if (!owed.current) return;
    const el = finder.current();
    if (!el) return;
    owed.current = false;
    focusResult(el);
  });
  return () => {
    owed.current = true;
  };
}
