/** What a page shows when its link cannot be used, or the service cannot answer. */
export function Problem({
  status,
  message,
  title,
  retry,
}: {
  readonly status: number;
  readonly message: string;
  /** A heading of its own; by default a refused card link (403) or a page that cannot be shown. */
  readonly title?: string;
  readonly retry?: { readonly href: string; readonly label: string };
}) {
  const refusedLink = title === undefined && status === 403;
  return (
    <section class="problem" role="alert">
      <h1>{title ?? (refusedLink ? 'This link cannot be used' : 'This page cannot be shown')}</h1>
      <p>
        {refusedLink
          ? 'It has expired, was altered, or belongs to another page. Open the alert again in the patient’s record to get a new link.'
          : message}
      </p>
      {retry ? (
        <p>
          <a href={retry.href}>{retry.label}</a>
        </p>
      ) : null}
    </section>
  );
}

export function Loading() {
  return (
    <p class="loading" role="status">
      Loading…
    </p>
  );
}
