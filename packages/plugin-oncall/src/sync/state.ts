// What the bot keeps in its store between runs, and under which keys.

/** One person on call, as the last sync saw them. */
export interface OnCallPerson {
  pagerDutyId: string;
  name: string;
  email: string | undefined;
  /** Their Slack user, `null` when none has their email (or it is a guest account). */
  slackUserId: string | null;
  /** ISO 8601; `null` for a permanent on-call. */
  end: string | null;
}

/** What one sync found: what `/oncall` answers and what the shift-end timer is set from. */
export interface Snapshot {
  name: string;
  handle: string | undefined;
  /** When PagerDuty last answered for this group. */
  syncedAt: string | undefined;
  people: OnCallPerson[];
  /** Set while PagerDuty fails for this group: `people` are then the last known. */
  failing?: { since: string; error: string };
  /**
   * Set while PagerDuty says nobody is on call for a group that had someone, until that has
   * lasted `confirmNobodyAfterMs`: `people` are then the last known, and the group is kept.
   */
  nobodySince?: string;
}

/** The membership the bot last gave a user group (or found there on its first sync). */
export interface Applied {
  users: string[];
  enabled: boolean;
}

/** A group found by handle or id. */
export interface GroupRef {
  id: string;
  handle: string;
}

/** The key of a sync: its group as written in the config, normalised. */
export function syncKey(usergroup: string): string {
  return usergroup.replace(/^@/, "").toLowerCase();
}

export const Keys = {
  snapshot: (sync: string) => `snapshot/${sync}`,
  applied: (groupId: string) => `applied/${groupId}`,
  topic: (sync: string) => `topic/${sync}`,
  group: (sync: string) => `group/${sync}`,
  slackUser: (email: string) => `slack-user/${email}`,
  warned: (email: string) => `warned/${email}`,
  /** Consecutive syncs in which PagerDuty or Slack failed (paces the retries). */
  failures: "failures",
  /** Set by a run that found another sync going: the running one syncs again once done. */
  again: "sync-again",
  /** Lease held by the one sync running at a time (across replicas). */
  lease: "sync",
} as const;
