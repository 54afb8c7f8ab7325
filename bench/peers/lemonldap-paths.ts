/** LemonLDAP::NG's OpenID Connect endpoints on its portal (its defaults: oidcServiceMetaDataAuthorizeURI etc. under /oauth2/). */
export const LEMONLDAP_PATHS = {
  discovery: '/.well-known/openid-configuration',
  jwks: '/oauth2/jwks',
  token: '/oauth2/token',
  authorize: '/oauth2/authorize',
};
