/**
 * "Did you mean" for names a person types: a manual request's fields (`AccessKeyId` as `aws iam list-access-keys`
 * prints it) and the deploy parameters (`dryrun`). Pure, with no dependency, so a packaging plugin loads it too.
 */

/** One-letter edits between two names (insert, delete, replace, swap two neighbours), for "did you mean" hints. */
const editDistance = (a: string, b: string): number => {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) (d[0] as number[])[j] = j;
  const at = (i: number, j: number): number => d[i]?.[j] ?? Number.POSITIVE_INFINITY;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const swap =
        a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1] ? at(i - 2, j - 2) + 1 : Number.POSITIVE_INFINITY;
      (d[i] as number[])[j] = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost, swap);
    }
  }
  return at(a.length, b.length);
};

/** The known name a wrongly cased or misspelt one most likely meant: case aside, one edit per four letters. */
export const closestName = (name: string, known: readonly string[]): string | undefined => {
  const ranked = known
    .map((candidate) => ({ candidate, edits: editDistance(name.toLowerCase(), candidate.toLowerCase()) }))
    .sort((a, b) => a.edits - b.edits)[0];
  return ranked && ranked.edits <= Math.max(1, Math.floor(ranked.candidate.length / 4))
    ? ranked.candidate
    : undefined;
};
