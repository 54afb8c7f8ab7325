/** The one oidc-provider internal admit reads (see refresh-scope.ts): the provider's private state. */
declare module 'oidc-provider/lib/helpers/weak_cache.js' {
  export default function instance(provider: object): unknown;
}
