/** "Rate this alert": the card as shown, four answers and an optional comment; one answer per clinician, changeable. */
import { useEffect, useRef, useState } from 'preact/hooks';
import { linksApi } from '../api';
import type { ApiResult, RatePageView, Rating } from '../api';
import { CardView } from '../card';
import { useFocusAfter } from '../focus';
import { formatDay, formatDayTime } from '../format';
import { Loading, Problem } from '../refusal';

/** The answers, in the order the page offers them (issue 10 item 1). */
const OPTIONS: readonly { readonly value: Rating; readonly label: string; readonly hint: string }[] = [
  { value: 'useful', label: 'Useful', hint: 'It helped with this order.' },
  { value: 'not-useful', label: 'Not useful', hint: 'It did not help with this order.' },
  { value: 'too-often', label: 'Shown too often', hint: 'I have seen this advice for this patient before.' },
  { value: 'wrong-patient', label: 'Wrong for this patient', hint: 'It does not fit this patient.' },
];

const COMMENT_MAX = 2000;

export function RatePage({ cardUuid, token }: { readonly cardUuid: string; readonly token: string }) {
  const [page, setPage] = useState<ApiResult<RatePageView> | undefined>(undefined);
  const [rating, setRating] = useState<Rating | undefined>(undefined);
  const [comment, setComment] = useState('');
  const [status, setStatus] = useState<{ readonly kind: 'saved' | 'error'; readonly text: string }>();
  const [saving, setSaving] = useState(false);
  const statusLine = useRef<HTMLParagraphElement>(null);
  const focusStatus = useFocusAfter(() => statusLine.current);
  // No answer chosen: said in the fieldset, whose first answer takes the focus (SC 3.3.1).
  const [choiceError, setChoiceError] = useState('');
  const firstAnswer = useRef<HTMLInputElement>(null);
  const focusAnswers = useFocusAfter(() => (choiceError ? firstAnswer.current : null));

  useEffect(() => {
    void linksApi.ratePage(cardUuid, token).then((result) => {
      setPage(result);
      if (result.ok && result.value.answer) {
        setRating(result.value.answer.rating);
        setComment(result.value.answer.comment ?? '');
      }
    });
  }, [cardUuid, token]);

  if (!page) return <Loading />;
  if (!page.ok) return <Problem status={page.status} message={page.message} cardLink />;
  const view = page.value;

  const submit = async (event: SubmitEvent): Promise<void> => {
    event.preventDefault();
    // A second press while the answer is being saved is ignored (the button stays focusable: see `aria-disabled`).
    if (saving) return;
    if (!rating) {
      setStatus(undefined);
      setChoiceError('Choose one of the four answers first.');
      focusAnswers();
      return;
    }
    setChoiceError('');
    setSaving(true);
    const trimmed = comment.trim();
    const result = await linksApi.saveRating(cardUuid, token, {
      rating,
      ...(trimmed ? { comment: trimmed } : {}),
    });
    setSaving(false);
    focusStatus();
    if (result.ok) {
      setPage({ ok: true, value: { ...view, answer: result.value.answer } });
      setStatus({
        kind: 'saved',
        text: result.value.created
          ? 'Thank you: your answer is saved. You can change it until the link expires.'
          : 'Your answer is changed.',
      });
    } else {
      setStatus({ kind: 'error', text: result.message });
    }
  };

  return (
    <main class="wide">
      <h1>Rate this alert</h1>
      <p class="lead">
        Shown on {formatDayTime(view.shownAt)}. Every answer is counted in the alert governance figures that
        pharmacists and informaticists review; under an answer, what else it does.
      </p>
      <div class="rate-layout">
        <CardView card={view.card} />
        <div class="rate-side">
          <form class="rating" onSubmit={(e) => void submit(e)} noValidate>
            <fieldset aria-describedby={choiceError ? 'rating-error' : undefined}>
              <legend>How was this alert?</legend>
              {choiceError ? (
                <p id="rating-error" class="field-error">
                  {choiceError}
                </p>
              ) : null}
              {OPTIONS.map((o, i) => (
                <label class="option" key={o.value}>
                  <input
                    ref={i === 0 ? firstAnswer : null}
                    type="radio"
                    name="rating"
                    value={o.value}
                    checked={rating === o.value}
                    aria-invalid={choiceError ? 'true' : undefined}
                    onChange={() => {
                      setRating(o.value);
                      setChoiceError('');
                    }}
                  />
                  <span>
                    <strong>{o.label}</strong>
                    <span class="hint">{o.hint}</span>
                    {view.effects?.[o.value] ? (
                      <span class="hint effect">{view.effects[o.value]}</span>
                    ) : null}
                  </span>
                </label>
              ))}
            </fieldset>
            <label for="comment">Comment (optional)</label>
            <textarea
              id="comment"
              name="comment"
              rows={4}
              maxLength={COMMENT_MAX}
              value={comment}
              onInput={(e) => {
                setComment(e.currentTarget.value);
              }}
            />
            <button type="submit" aria-disabled={saving ? 'true' : undefined}>
              {view.answer ? 'Change my answer' : 'Save my answer'}
            </button>
            <p
              ref={statusLine}
              class={`status status-${status?.kind ?? 'none'}`}
              role="status"
              aria-live="polite"
            >
              {status?.text ?? ''}
            </p>
          </form>
          {view.answer ? (
            <p class="current">
              Your answer: <strong>{OPTIONS.find((o) => o.value === view.answer?.rating)?.label}</strong>,
              given {formatDayTime(view.answer.ratedAt)}.
            </p>
          ) : null}
          <p class="expiry">This link works until {formatDay(view.linkExpiresAt)}.</p>
        </div>
      </div>
    </main>
  );
}
