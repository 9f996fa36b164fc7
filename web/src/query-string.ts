import { useEffect, useState } from 'preact/hooks';

/**
 * The page's query string (filters, period, page), kept in step with Back and Forward. `navigate` records a new one
 * in the address bar, so a list or a period is bookmarkable and Back returns to the previous one.
 */
export function useQueryString(path: string): [string, (next: URLSearchParams) => void] {
  const [search, setSearch] = useState(window.location.search);
  useEffect(() => {
    const onPop = () => {
      setSearch(window.location.search);
    };
    window.addEventListener('popstate', onPop);
    return () => {
      window.removeEventListener('popstate', onPop);
    };
  }, []);
  const navigate = (next: URLSearchParams) => {
    const q = next.toString();
    const query = q ? `?${q}` : '';
    window.history.pushState(null, '', `${path}${query}`);
    setSearch(query);
  };
  return [search, navigate];
}
