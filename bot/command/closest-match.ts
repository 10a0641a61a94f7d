/**
 * Optimal-string-alignment distance (Levenshtein plus adjacent transpositions), so that the
 * common typo `daig` is one edit from `diag`. Works on code points, so Chinese verbs compare
 * character by character.
 */
export function editDistance(a: string, b: string): number {
  const s = [...a];
  const t = [...b];
  const rows = s.length + 1;
  const cols = t.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[rows - 1]![cols - 1]!;
}

/**
 * The candidate closest to `input`, or undefined when none is close enough: at most one edit
 * for words of up to three characters, two for longer ones (a third of the length, at least 1).
 */
export function closestMatch(input: string, candidates: readonly string[]): string | undefined {
  const word = input.toLowerCase();
  const limit = Math.max(1, Math.min(2, Math.floor([...word].length / 3)));
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const dist = editDistance(word, c.toLowerCase());
    if (dist < bestDistance) {
      best = c;
      bestDistance = dist;
    }
  }
  return bestDistance <= limit ? best : undefined;
}
