/** Counts in reasons as people write them: `1 reading`, `3 readings`, `7 days` (no "reading(s)", no "7 d"). */
export function counted(n: number, singular: string, plural = `${singular}s`): string {
  return `${n} ${n === 1 ? singular : plural}`;
}
