/**
 * What a bot asks for the time, resolved from its container (`ctx.container.resolve(Tokens.Clock)`)
 * rather than read from `Date`, so that a test can register a fixed or stepped clock before the
 * bot starts without faking the process's timers.
 */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
