/**
 * Days a deleted Secrets Manager secret stays restorable. Production keeps a window, so an accidental delete can be
 * undone; other tiers delete at once, so destroying and recreating an environment can reuse the names (a secret in its
 * recovery window blocks a new one of the same name).
 */
export function secretRecoveryWindowDays(production: boolean, productionDays = 7): number {
  return production ? productionDays : 0;
}
