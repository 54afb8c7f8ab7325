/**
 * The directory connector contract: what a site's directory (admit's local
 * directory, LDAP / Active Directory, Microsoft Entra ID) implements. Plugins
 * import this file (through src/kit/index.ts) and nothing else from src/.
 */
import type { z } from 'zod';
import type { Store } from '../store/port.ts';

/** Who the directory says the person is. `externalId` is the directory's immutable id. */
export interface DirectoryIdentity {
  externalId: string;
  username: string;
  name?: string;
  email?: string;
  emailVerified?: boolean;
  phoneNumber?: string;
  groups: string[];
}

/**
 * The outcome of a password check. Each directory state maps to the next step
 * in the sign-in, not to a generic failure; `unavailable` is never counted as
 * a failed attempt.
 */
export type PasswordOutcome =
  | { status: 'ok'; identity: DirectoryIdentity }
  | { status: 'invalid' }
  | { status: 'locked' }
  /** The password was right but must be changed first; identity when the directory can still tell it. */
  | { status: 'password_expired'; identity?: DirectoryIdentity }
  | { status: 'disabled' }
  | { status: 'unavailable'; reason: string };

/**
 * The outcome of writing a password to the directory. `refused` carries the
 * directory's own reason (its password policy, AD complexity) in words a user
 * can act on; admit's own policy has already been checked before the call.
 */
export type PasswordWriteOutcome =
  | { status: 'ok' }
  | { status: 'invalid_old_password' }
  | { status: 'refused'; reason: string }
  | { status: 'not_found' }
  | { status: 'unavailable'; reason: string };

export type UnlockOutcome = { status: 'ok' } | { status: 'not_found' } | { status: 'unavailable'; reason: string };

export interface PasswordConnector {
  readonly kind: string;
  verifyPassword(input: { username: string; password: string }): Promise<PasswordOutcome>;
  /** The user's own change, proved by the old password. */
  changePassword?(input: { username: string; oldPassword: string; newPassword: string }): Promise<PasswordWriteOutcome>;
  /** An administrative reset (forgotten password, admin action): no old password. */
  resetPassword?(input: { username: string; newPassword: string }): Promise<PasswordWriteOutcome>;
  /** Clears the directory's own lock on the account. */
  unlock?(input: { username: string }): Promise<UnlockOutcome>;
  /** Adding and finding users, in a directory admit manages itself (capabilities.managedUsers). */
  readonly users?: DirectoryUsers;
  /** Reports whether the directory can be reached; used by /readyz. */
  health(): Promise<{ ok: true } | { ok: false; reason: string }>;
  close?(): Promise<void>;
}

/**
 * A federated identity: who the upstream identity provider (Microsoft Entra
 * ID) says signed in. `externalId` is the upstream's immutable id (Entra:
 * `<tid>:<oid>`), never an email or a user principal name.
 */
export interface FederatedIdentity extends DirectoryIdentity {
  /** The upstream's `amr` as it sent it (e.g. `pwd`, `mfa`), for audit. */
  upstreamAmr: string[];
  /**
   * The site trusts the upstream's MFA (an opt-in setting) and the upstream
   * says MFA was done: admit's own MFA step counts as passed.
   */
  upstreamMfaTrusted: boolean;
}

/** Opaque values the caller binds to one round trip and gets back with its outcome (e.g. the interaction uid). */
export type FederatedContext = Record<string, string>;

/** The start of a round trip: where to send the browser. */
export type FederatedBegin = { status: 'redirect'; url: string } | { status: 'unavailable'; reason: string };

/**
 * The end of a round trip. `rejected` is a protocol check that failed (wrong
 * state, nonce, issuer, tenant, a replayed or foreign code): the answer is
 * refused and nothing is kept. `unavailable` is the upstream being slow or
 * down. `context` is absent when the round trip could not be identified.
 */
export type FederatedOutcome =
  /** `notes`: things worth auditing that did not stop the sign-in (e.g. `groups_overage`). */
  | { status: 'ok'; identity: FederatedIdentity; context: FederatedContext; notes?: string[] }
  | { status: 'cancelled'; context: FederatedContext }
  | { status: 'upstream_error'; code: string; description: string; context: FederatedContext }
  | { status: 'rejected'; reason: string; context?: FederatedContext }
  | { status: 'unavailable'; reason: string; context?: FederatedContext };

/** The query of the upstream's redirect back to admit, as received. */
export interface FederatedCallback {
  code?: string;
  state?: string;
  error?: string;
  error_description?: string;
  /** Entra's refinement of `error` (`cancel` when the user backed out). */
  error_subcode?: string;
}

/**
 * A directory whose users sign in at an upstream identity provider (OIDC
 * authorization code flow) instead of typing a password into admit. The
 * connector owns the protocol: state, nonce and PKCE per round trip, bound to
 * the browser (`browserBinding`, a secret only that browser holds), single-use.
 */
export interface FederatedConnector {
  readonly kind: string;
  readonly federated: true;
  /** Email domains (lower case) whose users belong to this site: home-realm discovery. */
  readonly domains: readonly string[];
  /** The redirect URI configured for the site, when it is not admit's default. */
  readonly redirectUri?: string;
  beginSignIn(input: { redirectUri: string; browserBinding: string; context: FederatedContext; loginHint?: string }): Promise<FederatedBegin>;
  completeSignIn(input: { redirectUri: string; browserBinding: string; callback: FederatedCallback }): Promise<FederatedOutcome>;
  health(): Promise<{ ok: true } | { ok: false; reason: string }>;
  close?(): Promise<void>;
}

/**
 * What a directory can do, declared by its plugin. Callers read these
 * instead of testing a directory's kind, so a new kind is one plugin folder;
 * createSiteDirectory checks at start that a connector has the methods its
 * declaration promises.
 */
export interface DirectoryCapabilities {
  /** Users type a password into admit's sign-in page (false: they sign in upstream). */
  readonly passwords: boolean;
  /** A user can change their own password through admit (`changePassword`). */
  readonly passwordChange: boolean;
  /** admit can set a password without the old one: Reset Password, an admin's reset (`resetPassword`). */
  readonly passwordReset: boolean;
  /** admit can clear the directory's own lock on an account (`unlock`). */
  readonly unlock: boolean;
  /** Users sign in at an upstream identity provider (the connector is a FederatedConnector). */
  readonly federated: boolean;
  /**
   * admit keeps this directory's users itself (`users`): a registrant or
   * invitee chooses a user name and password in admit, `admit user add` adds
   * one, and the password is admit's, not a domain's.
   */
  readonly managedUsers: boolean;
}

/** A user admit adds to a directory it manages (registration, an invitation, `admit user add`). */
export interface NewDirectoryUser {
  username: string;
  password: string;
  name?: string;
  email?: string;
  phoneNumber?: string;
  groups?: string[];
}

/** The user name is taken in the directory (under its canonical key): the caller asks for another. */
export class UsernameTakenError extends Error {
  override name = 'UsernameTakenError';
}

/** The users of a directory admit manages (capabilities.managedUsers). */
export interface DirectoryUsers {
  /** Throws UsernameTakenError when the name is taken; nothing is written then. */
  add(user: NewDirectoryUser): Promise<DirectoryIdentity>;
  /** The user of this name (its canonical key), without a password check. */
  find(username: string): Promise<DirectoryIdentity | undefined>;
  /**
   * Writes profile fields of an existing user (a provisioning update), so the
   * next sign-in's refresh from the directory keeps them; `undefined` clears
   * a field. Answers the user as stored, or undefined when there is none.
   */
  update?(username: string, changes: Partial<Pick<DirectoryIdentity, 'name' | 'email' | 'phoneNumber'>>): Promise<DirectoryIdentity | undefined>;
}

/**
 * A site's `directory` block once the config has validated it: its kind and
 * that kind's settings, as the kind's plugin declared them (its `settings`).
 */
export interface DirectorySettings {
  readonly kind: string;
}

/**
 * A directory kind as the config knows it: its name and the schema of a
 * site's `directory` block of that kind (`kind: z.literal(kind)` and the
 * kind's settings). The entry hands the build's plugins to the config loader,
 * which validates every site's block against the schema its kind names.
 */
export interface DirectorySchema<Settings extends DirectorySettings = DirectorySettings> {
  readonly kind: Settings['kind'];
  readonly settings: z.ZodType<Settings>;
}

/** What a site hands its directory's connector: its id and its `directory` block, validated by the plugin's `settings`. */
export interface DirectorySite<Settings extends DirectorySettings = DirectorySettings> {
  id: string;
  directory: Settings;
}

export type DirectoryFactory<Settings extends DirectorySettings = DirectorySettings> = (
  site: DirectorySite<Settings>,
) => PasswordConnector | FederatedConnector;

/**
 * A directory plugin: its kind (`directory.kind` in a site's config), the
 * schema of its settings, what its connectors can do, and its code. `load`
 * imports the connector only when a site uses the kind: the LDAP and Entra
 * connectors' libraries are ~40 MiB of resident memory, loaded for nothing by
 * a config with local sites only.
 */
export interface DirectoryPlugin<Settings extends DirectorySettings = DirectorySettings> extends DirectorySchema<Settings> {
  readonly capabilities: DirectoryCapabilities;
  load(deps: { store: Store }): Promise<DirectoryFactory<Settings>>;
}

/**
 * A plugin, typed by its own settings schema (its connector reads
 * `site.directory` as that schema's output), as the list of the build's
 * plugins holds it. Sound because the config hands a connector only blocks
 * that this plugin's `settings` validated (sites are dispatched by kind).
 */
export function defineDirectoryPlugin<Settings extends DirectorySettings>(plugin: DirectoryPlugin<Settings>): DirectoryPlugin {
  return plugin as unknown as DirectoryPlugin;
}
