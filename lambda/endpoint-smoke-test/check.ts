export type Verdict = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/**
 * An answer passes when it is not empty and, if the project gave a pattern, matches it.
 */
export function checkResponse(body: string, expectedPattern: string | undefined): Verdict {
  if (body.trim() === '') {
    return { ok: false, reason: 'the endpoint answered with an empty body' };
  }
  if (expectedPattern) {
    let pattern: RegExp;
    try {
      pattern = new RegExp(expectedPattern);
    } catch {
      return { ok: false, reason: `expectedResponsePattern '${expectedPattern}' is not a valid regular expression` };
    }
    if (!pattern.test(body)) {
      return { ok: false, reason: `the endpoint's answer does not match ${expectedPattern}: ${body.slice(0, 200)}` };
    }
  }
  return { ok: true };
}
