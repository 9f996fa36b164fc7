import { useTitle } from './title';

interface ProblemProps {
  readonly status: number;
  readonly message: string;
  /** A heading of its own; by default a refused card link (403 on a `cardLink` page) or a page that cannot be shown. */
  readonly title?: string;
  /** A page reached by a card's signed link (rating, full explanation): a 403 there is a link that cannot be used. */
  readonly cardLink?: boolean;
  readonly retry?: { readonly href: string; readonly label: string };
}

/** What a page shows when its link cannot be used, or the service cannot answer: the whole page, its main landmark. */
export function Problem(props: ProblemProps) {
  return (
    <main class="problem">
      <ProblemText {...props} Heading="h1" />
    </main>
  );
}

/** The same, inside a page that has its own main landmark and heading (the governance figures of a period). */
export function InlineProblem(props: ProblemProps) {
  return (
    <div class="problem">
      <ProblemText {...props} Heading="h2" />
    </div>
  );
}

function ProblemText({
  status,
  message,
  title,
  retry,
  cardLink,
  Heading,
}: ProblemProps & { readonly Heading: 'h1' | 'h2' }) {
  const refusedLink = title === undefined && status === 403 && cardLink === true;
  const forbidden = title === undefined && status === 403 && !refusedLink;
  const heading =
    title ??
    (refusedLink
      ? 'This link cannot be used'
      : forbidden
        ? 'Your account cannot open this page'
        : 'This page cannot be shown');
  // The title says it too, before the page's name (SC 2.4.2): "This link cannot be used – Rate this alert".
  useTitle(heading);
  return (
    <section role="alert">
      <Heading>{heading}</Heading>
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
