/** What a page shows when its link cannot be used, or the service cannot answer. */
export function Problem({ status, message }: { readonly status: number; readonly message: string }) {
  const refused = status === 403;
  return (
    <section class="problem" role="alert">
      <h1>{refused ? 'This link cannot be used' : 'This page cannot be shown'}</h1>
      <p>
        {refused
          ? 'It has expired, was altered, or belongs to another page. Open the alert again in the patient’s record to get a new link.'
          : message}
      </p>
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
