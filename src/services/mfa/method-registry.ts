import type { DeviceType } from '../../kit/factor.ts';
import type { MfaDeviceView, MfaMethod } from '../../kit/mfa-method.ts';

/**
 * The one list of MFA methods, built by the composition root from the
 * plugins it registers (src/compose.ts). Every page and service asks it what
 * a device can do; nothing else lists the methods.
 */
export function createMethodRegistry(methods: readonly MfaMethod[]) {
  const byId = new Map<string, MfaMethod>();
  for (const method of methods) {
    if (byId.has(method.id)) throw new Error(`two MFA methods named "${method.id}"`);
    byId.set(method.id, method);
  }
  const all = [...byId.values()];

  /** The methods a device carries, in the registry's order. */
  const of = (device: MfaDeviceView) => all.filter((method) => method.carriedBy(device));
  const idsOf = (device: MfaDeviceView) => of(device).map((method) => method.id);

  return {
    all,
    ids: () => all.map((method) => method.id),
    get: (id: string | undefined) => (id === undefined ? undefined : byId.get(id)),
    of,
    idsOf,
    /** Whether the device can prove the second factor at all. */
    usable: (device: MfaDeviceView) => of(device).length > 0,
    /** Methods that belong to the account, not to a device (recovery codes). */
    accountWide: () => all.filter((method) => method.deviceTypes.length === 0),
    /** The "When I log in" choices the device can do, beside "ask". */
    whenILogIn: (device: MfaDeviceView | undefined) => (device ? of(device).filter((method) => method.whenILogIn !== undefined) : []),
    /** The device types that carry one of these methods (a site's `mfa.methods`, or every method). */
    deviceTypesFor: (allowed: readonly string[] | undefined): DeviceType[] => [
      ...new Set(all.filter((method) => !allowed || allowed.includes(method.id)).flatMap((method) => method.deviceTypes)),
    ],
  };
}

export type MethodRegistry = ReturnType<typeof createMethodRegistry>;
