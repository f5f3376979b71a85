/** The longest delay setTimeout honours, ms; a longer one fires after 1 ms, and a periodic task then spins. */
export const MAX_TIMER_MS = 2_147_483_647;
