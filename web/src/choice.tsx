/**
 * One choice of a few, as radio buttons in a fieldset with a legend: the override review's conclusion and the
 * report follow-up's finding. An error (nothing chosen) is said inside the fieldset, which it describes
 * (`aria-describedby`), and marks each radio `aria-invalid` (WCAG SC 3.3.1, 4.1.2).
 */
export function ChoiceFieldset<T extends string>({
  legend,
  name,
  labels,
  value,
  onChange,
  error,
  errorId,
}: {
  readonly legend: string;
  readonly name: string;
  readonly labels: Readonly<Record<T, string>>;
  readonly value: T | undefined;
  readonly onChange: (value: T) => void;
  /** What is wrong, as a sentence; none when nothing is. */
  readonly error?: string | undefined;
  /** The error's id, unique on the page. */
  readonly errorId: string;
}) {
  return (
    <fieldset aria-describedby={error ? errorId : undefined}>
      <legend>{legend}</legend>
      {error ? (
        <p id={errorId} class="field-error">
          {error}
        </p>
      ) : null}
      {(Object.keys(labels) as T[]).map((choice) => (
        <label class="option" key={choice}>
          <input
            type="radio"
            name={name}
            value={choice}
            checked={value === choice}
            aria-invalid={error ? 'true' : undefined}
            onChange={() => {
              onChange(choice);
            }}
          />
          <span>{labels[choice]}</span>
        </label>
      ))}
    </fieldset>
  );
}

/** The first radio of the fieldset that `errorId` describes, or the field itself: where the focus goes on an error. */
export function firstInvalid(form: Element | null | undefined): HTMLElement | null {
  return form?.querySelector<HTMLElement>('[aria-invalid="true"]') ?? null;
}
