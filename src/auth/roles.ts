/** The Apinizer roles jwkd knows. A token holds some of them. */
export const ROLES = {
  apiSecurity: 'ROLE_API_SECURITY',
  deploy: 'ROLE_DEPLOY_UNDEPLOY_PROXIES'
} as const

export type Role = typeof ROLES[keyof typeof ROLES]

export const ALL_ROLES: readonly Role[] = Object.values(ROLES)

export const isRole = (value: string): value is Role => (ALL_ROLES as readonly string[]).includes(value)

/** Every /jwks route needs API security; the ones that deploy also need deploy (docs/API.md, "Authentication and authorization"). */
export const READ_ROLES: readonly Role[] = [ROLES.apiSecurity]
export const DEPLOY_ROLES: readonly Role[] = [ROLES.apiSecurity, ROLES.deploy]

export const ALL_PROJECTS = '*'
