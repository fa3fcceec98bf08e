/**
 * The prop a user actually wrote, for constructs that other constructs create on their behalf:
 * `MlopsProject` creates each `PromotionDeployTarget`, so a missing-permission error must name
 * `MlopsProject additionalDeploymentStatements`, which its user can set, not the target's own prop.
 * Keyed by the props object the creating construct passes.
 */
const OWNER_PROPS = new WeakMap<object, string>();

/** Says which prop of the creating construct feeds `props`' statements. */
export function nameStatementsProp<T extends object>(props: T, prop: string): T {
  OWNER_PROPS.set(props, prop);
  return props;
}

/** The prop that feeds `props`' statements, else `fallback`. */
export function statementsPropOf(props: object, fallback: string): string {
  return OWNER_PROPS.get(props) ?? fallback;
}
