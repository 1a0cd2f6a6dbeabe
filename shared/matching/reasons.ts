import { describeWindow, type PartOfDay, WEEKDAYS, type Weekday } from './availability';
import type { PairScore } from './score';
import type { Criterion } from './settings';

/**
 * Why two people were matched, in plain words for each of them: at most three sentences, strongest
 * criterion first, never empty. Built from a stored {@link PairScore}, so a MatchMade email can be rendered
 * from the match alone. Only what both listed (or what the mentor can help with) is mentioned.
 */

export interface ReasonPerson {
  /** How the other person is named in the sentences (a first name). */
  name: string;
  /** The zone the person reads their week in. */
  timezone: string;
}

export interface MatchReasons {
  mentor: string[];
  mentee: string[];
}

export const MAX_REASONS = 3;
export const FALLBACK_REASON =
  "We think you'll get on well, and we hope you enjoy getting to know each other.";

const DAY_NAMES: Record<Weekday, string> = {
  mon: 'Monday',
  tue: 'Tuesday',
  wed: 'Wednesday',
  thu: 'Thursday',
  fri: 'Friday',
  sat: 'Saturday',
  sun: 'Sunday',
};
const PARTS: readonly PartOfDay[] = ['morning', 'afternoon', 'evening', 'night'];

/** "a", "a and b", "a, b and c". */
export const listOf = (items: readonly string[]) =>
  items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;

/**
 * A tag as it reads mid-sentence: trailing punctuation dropped, and a capitalised first word lowered when
 * the rest of the phrase is lower case ("Moving to a new city alone"), not for names ("New York", "Python").
 */
const phrase = (tag: string) => {
  const text = tag.replace(/[\s.!?;,]+$/u, '');
  const words = text.split(' ');
  const [first, ...rest] = words;
  if (!first || rest.length === 0) return text;
  const capitalisedWord = /^\p{Lu}\p{Ll}*$/u.test(first);
  const restLower = rest.every((word) => !/^\p{Lu}/u.test(word));
  return capitalisedWord && restLower ? `${first.charAt(0).toLowerCase()}${text.slice(1)}` : text;
};

const phrases = (tags: readonly string[]) => tags.slice(0, MAX_REASONS).map(phrase);

/** "on Tuesday and Thursday evenings", "on Monday mornings and Saturday afternoons", in the reader's zone. */
export const weekWindowsText = (overlap: PairScore['overlap'], timezone: string): string | undefined => {
  const longest = new Map<string, { day: Weekday; part: PartOfDay; minutes: number }>();
  for (const window of overlap.windows) {
    const { day, partOfDay } = describeWindow(window, timezone, overlap.weekStart);
    const key = `${day} ${partOfDay}`;
    const minutes = window[1] - window[0] + (longest.get(key)?.minutes ?? 0);
    longest.set(key, { day, part: partOfDay, minutes });
  }
  const chosen = [...longest.values()]
    .sort((a, b) => b.minutes - a.minutes)
    .slice(0, MAX_REASONS)
    .sort(
      (a, b) =>
        WEEKDAYS.indexOf(a.day) - WEEKDAYS.indexOf(b.day) || PARTS.indexOf(a.part) - PARTS.indexOf(b.part),
    );
  if (chosen.length === 0) return undefined;
  const parts = new Set(chosen.map((c) => c.part));
  if (parts.size === 1) return `on ${listOf(chosen.map((c) => DAY_NAMES[c.day]))} ${chosen[0]?.part}s`;
  return `on ${listOf(chosen.map((c) => `${DAY_NAMES[c.day]} ${c.part}s`))}`;
};

type View = 'mentor' | 'mentee';

const sentence = (
  criterion: Criterion,
  view: View,
  result: PairScore,
  people: { mentor: ReasonPerson; mentee: ReasonPerson },
): string | undefined => {
  const { shared } = result;
  switch (criterion) {
    case 'shared-experiences': {
      if (shared.experiences.length === 0) return undefined;
      const items = phrases(shared.experiences);
      return `You both know what ${listOf(items)} ${items.length === 1 ? 'is' : 'are'} like.`;
    }
    case 'shared-interests':
      return shared.interests.length ? `You're both into ${listOf(phrases(shared.interests))}.` : undefined;
    case 'goals-mentor-helps-with': {
      if (shared.goals.length === 0) return undefined;
      const items = phrases(shared.goals);
      const goals = `${items.length === 1 ? 'goal' : 'goals'}: ${listOf(items)}.`;
      return view === 'mentee'
        ? `${people.mentor.name} can help with your ${goals}`
        : `You can help ${people.mentee.name} with their ${goals}`;
    }
    case 'availability-overlap': {
      const when = weekWindowsText(result.overlap, people[view].timezone);
      return when ? `Your weeks overlap ${when}.` : undefined;
    }
    case 'timezone-distance': {
      const hours = result.timezoneHours;
      if (hours === 0) return 'You live in the same time zone.';
      if (hours <= 2) return `Your clocks are only ${hours === 1 ? 'an hour' : `${hours} hours`} apart.`;
      return undefined;
    }
  }
};

/** The reasons one side reads: `view` is the reader. */
export const reasonsFor = (
  view: View,
  result: PairScore,
  people: { mentor: ReasonPerson; mentee: ReasonPerson },
): string[] => {
  const ranked = result.breakdown
    .filter((entry) => entry.points > 0)
    .map((entry, order) => ({ entry, order }))
    .sort((a, b) => b.entry.points - a.entry.points || a.order - b.order);
  const reasons: string[] = [];
  for (const { entry } of ranked) {
    const text = sentence(entry.criterion, view, result, people);
    if (text) reasons.push(text);
    if (reasons.length === MAX_REASONS) break;
  }
  return reasons.length > 0 ? reasons : [FALLBACK_REASON];
};

/** Both sides' reasons for one match. */
export const matchReasons = (
  result: PairScore,
  people: { mentor: ReasonPerson; mentee: ReasonPerson },
): MatchReasons => ({
  mentor: reasonsFor('mentor', result, people),
  mentee: reasonsFor('mentee', result, people),
});
