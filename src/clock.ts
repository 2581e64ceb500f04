/** The service's notion of now: one per app, so tests can pin every timestamp at once. */
export type Clock = () => Date

export const systemClock: Clock = () => new Date()
