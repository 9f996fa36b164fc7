/**
 * The page's title (WCAG SC 2.4.2): the route names the page (`setRouteTitle`, once per route in `main.tsx`); what
 * the page then shows adds what tells it apart, first: the patient's name on the dashboard ("Ada Lovelace –
 * Pharmacogenomic dashboard": two patients in two tabs must not be confused), the drug of an explanation or an
 * override, and the heading of a page that cannot be shown ("This link cannot be used – Rate this alert").
 * The title stays in the browser (tab, history); it is never sent to the service or logged.
 */
import { useEffect } from 'preact/hooks';

let routeTitle = typeof document === 'undefined' ? '' : document.title;

/** The route's own title, set by `main.tsx` before the page is drawn. */
export function setRouteTitle(title: string): void {
  routeTitle = title;
  document.title = title;
}

/** Puts `first` before the route's title while the component is shown; the route's title alone without it. */
export function useTitle(first: string | undefined): void {
  useEffect(() => {
    document.title = first ? `${first} – ${routeTitle}` : routeTitle;
    return () => {
      document.title = routeTitle;
    };
  }, [first]);
}
