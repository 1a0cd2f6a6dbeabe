/**
 * A seeded generator of realistic matching profiles for benchmarks: people cluster by region (time zone,
 * languages, cities, local evenings) and by life situation (experiences, goals and, more loosely, interests
 * go together), so some mentor–mentee pairs score high, most score low, popular profiles are oversubscribed
 * and a few mentees (rare language, in-person only, odd hours) have hardly any candidates.
 *
 *   const { mentors, mentees } = generateProfiles({ mentees: 10_000, seed: 7 });
 */
import type { Weekday, WeeklySlot } from '../shared/matching/availability';
import type { Format, MatchProfile } from '../shared/matching/score';

/** mulberry32: a small seeded PRNG, uniform in [0, 1). */
export const seededRandom = (seed: number) => {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
};

type Random = () => number;

const pick = <T>(next: Random, items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;

/** One of `items` by weight. */
const weighted = <T>(next: Random, items: readonly (readonly [T, number])[]): T => {
  let total = 0;
  for (const [, w] of items) total += w;
  let r = next() * total;
  for (const [item, w] of items) {
    r -= w;
    if (r < 0) return item;
  }
  return (items[items.length - 1] as readonly [T, number])[0];
};

/** `count` distinct items, earlier ones likelier (a Zipf-ish tilt towards the head of the list). */
const sample = <T>(next: Random, items: readonly T[], count: number, skew = 1.3): T[] => {
  const out = new Set<T>();
  let guard = 0;
  while (out.size < Math.min(count, items.length) && guard++ < 200) {
    out.add(items[Math.floor(items.length * next() ** skew)] as T);
  }
  return [...out];
};

interface Region {
  name: string;
  share: number;
  zones: readonly (readonly [string, number])[];
  cities: readonly string[];
  /** First language by weight. */
  languages: readonly (readonly [string, number])[];
  /** Chance of a second language, and which. */
  second: number;
  secondLanguages: readonly (readonly [string, number])[];
}

const REGIONS: readonly Region[] = [
  {
    name: 'uk',
    share: 24,
    zones: [['Europe/London', 1]],
    cities: ['London', 'Manchester', 'Birmingham', 'Leeds', 'Glasgow', 'Bristol'],
    languages: [['en', 1]],
    second: 0.08,
    secondLanguages: [
      ['fr', 2],
      ['es', 2],
      ['ar', 1],
      ['pt', 1],
      ['zh', 1],
    ],
  },
  {
    name: 'europe',
    share: 14,
    zones: [
      ['Europe/Berlin', 5],
      ['Europe/Paris', 3],
      ['Europe/Madrid', 2],
    ],
    cities: ['Berlin', 'Munich', 'Hamburg', 'Paris', 'Lyon', 'Madrid', 'Barcelona'],
    languages: [
      ['de', 5],
      ['fr', 3],
      ['es', 2],
    ],
    second: 0.6,
    secondLanguages: [['en', 1]],
  },
  {
    name: 'us-east',
    share: 20,
    zones: [['America/New_York', 1]],
    cities: ['New York', 'Boston', 'Philadelphia', 'Atlanta', 'Miami'],
    languages: [
      ['en', 9],
      ['es', 1],
    ],
    second: 0.12,
    secondLanguages: [
      ['es', 5],
      ['en', 5],
      ['fr', 1],
      ['zh', 1],
    ],
  },
  {
    name: 'us-central',
    share: 10,
    zones: [['America/Chicago', 1]],
    cities: ['Chicago', 'Houston', 'Dallas', 'Minneapolis'],
    languages: [
      ['en', 8],
      ['es', 2],
    ],
    second: 0.15,
    secondLanguages: [
      ['es', 1],
      ['en', 1],
    ],
  },
  {
    name: 'us-west',
    share: 12,
    zones: [['America/Los_Angeles', 1]],
    cities: ['Los Angeles', 'San Francisco', 'Seattle', 'San Diego', 'Portland'],
    languages: [
      ['en', 8],
      ['es', 1.5],
      ['zh', 0.5],
    ],
    second: 0.18,
    secondLanguages: [
      ['es', 4],
      ['en', 4],
      ['zh', 2],
    ],
  },
  {
    name: 'india',
    share: 8,
    zones: [['Asia/Kolkata', 1]],
    cities: ['Mumbai', 'Bengaluru', 'Delhi', 'Chennai'],
    languages: [['en', 1]],
    second: 0.05,
    secondLanguages: [['ar', 1]],
  },
  {
    name: 'australia',
    share: 6,
    zones: [['Australia/Sydney', 1]],
    cities: ['Sydney', 'Melbourne', 'Brisbane'],
    languages: [
      ['en', 19],
      ['zh', 1],
    ],
    second: 0.08,
    secondLanguages: [
      ['zh', 1],
      ['en', 1],
    ],
  },
  {
    name: 'lusophone',
    share: 3,
    zones: [
      ['America/Sao_Paulo', 3],
      ['Europe/Lisbon', 1],
    ],
    cities: ['São Paulo', 'Rio de Janeiro', 'Lisbon', 'Porto'],
    languages: [['pt', 1]],
    second: 0.3,
    secondLanguages: [
      ['en', 3],
      ['es', 1],
    ],
  },
  {
    name: 'gulf',
    share: 3,
    zones: [['Asia/Dubai', 1]],
    cities: ['Dubai', 'Abu Dhabi', 'Doha'],
    languages: [
      ['ar', 2],
      ['en', 1],
    ],
    second: 0.6,
    secondLanguages: [
      ['en', 2],
      ['ar', 1],
    ],
  },
];

interface Situation {
  name: string;
  share: number;
  experiences: readonly string[];
  goals: readonly string[];
  interests: readonly string[];
}

/** Life situations; a person lives one (sometimes two), and draws most experiences and goals from it. */
const SITUATIONS: readonly Situation[] = [
  {
    name: 'new parent',
    share: 12,
    experiences: [
      'postpartum depression',
      'becoming a parent',
      'single parenthood',
      'miscarriage',
      'infertility',
      'anxiety',
    ],
    goals: [
      'balance work and family',
      'build routines',
      'find parent friends',
      'manage anxiety',
      'return to work',
    ],
    interests: ['cooking', 'walking', 'reading', 'yoga', 'baking'],
  },
  {
    name: 'student',
    share: 18,
    experiences: [
      'starting university',
      'first-generation student',
      'moving to a new city alone',
      'anxiety',
      'loneliness',
      'dropping out',
      'ADHD diagnosis as an adult',
    ],
    goals: [
      'settle into university',
      'make friends',
      'build study habits',
      'manage anxiety',
      'find an internship',
    ],
    interests: ['gaming', 'music', 'running', 'films', 'coding', 'football'],
  },
  {
    name: 'career',
    share: 18,
    experiences: ['job loss', 'redundancy', 'career change', 'burnout', 'long-term unemployment', 'anxiety'],
    goals: [
      'find a job',
      'change careers',
      'prepare for interviews',
      'build confidence',
      'manage stress',
      'start a business',
    ],
    interests: ['running', 'reading', 'chess', 'podcasts', 'cycling', 'coding'],
  },
  {
    name: 'relocation',
    share: 10,
    experiences: [
      'moving abroad',
      'being an immigrant',
      'moving to a new city alone',
      'loneliness',
      'job loss',
    ],
    goals: ['learn the language', 'make friends', 'find a job', 'navigate bureaucracy', 'build confidence'],
    interests: ['cooking', 'travel', 'languages', 'hiking', 'photography'],
  },
  {
    name: 'health',
    share: 14,
    experiences: [
      'chronic illness',
      'cancer survivor',
      'disability',
      'depression',
      'anxiety',
      'eating disorder',
      'ADHD diagnosis as an adult',
    ],
    goals: [
      'manage a chronic condition',
      'manage anxiety',
      'build routines',
      'return to work',
      'stay active',
    ],
    interests: ['reading', 'painting', 'gardening', 'meditation', 'knitting', 'music'],
  },
  {
    name: 'recovery',
    share: 8,
    experiences: ['addiction recovery', 'homelessness', 'leaving care', 'depression', 'divorce'],
    goals: ['stay sober', 'build routines', 'find housing', 'rebuild relationships', 'find a job'],
    interests: ['running', 'music', 'volunteering', 'boxing', 'fishing'],
  },
  {
    name: 'loss',
    share: 12,
    experiences: ['grief', 'divorce', 'bereavement of a parent', 'caring for a parent', 'loneliness'],
    goals: ['cope with grief', 'rebuild social life', 'co-parent after separation', 'manage stress'],
    interests: ['walking', 'gardening', 'reading', 'choir', 'volunteering'],
  },
  {
    name: 'later life',
    share: 8,
    experiences: ['retirement', 'empty nest', 'menopause', 'caring for a parent', 'grief'],
    goals: ['find purpose after retirement', 'stay active', 'volunteer', 'rebuild social life'],
    interests: ['gardening', 'hiking', 'bridge', 'birdwatching', 'volunteering', 'history'],
  },
];

const INTERESTS = [
  'hiking',
  'cooking',
  'chess',
  'reading',
  'music',
  'gardening',
  'running',
  'painting',
  'gaming',
  'volunteering',
  'films',
  'photography',
  'yoga',
  'football',
  'cycling',
  'travel',
  'board games',
  'writing',
  'swimming',
  'dancing',
  'climbing',
  'theatre',
  'knitting',
  'podcasts',
];

/** Occasional spelling variants: normalisation must make them the same tag. */
const respell = (next: Random, tag: string) => {
  const r = next();
  if (r < 0.04) return `${tag.charAt(0).toUpperCase()}${tag.slice(1)}`;
  if (r < 0.06) return `${tag}.`;
  if (r < 0.07) return ` ${tag.replace(' ', '  ')} `;
  return tag;
};

const pad = (n: number) => String(n).padStart(2, '0');
const time = (minutes: number) =>
  minutes >= 24 * 60 ? '23:59' : `${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)}`;

const WEEKDAYS: readonly Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri'];
const WEEKEND: readonly Weekday[] = ['sat', 'sun'];

/** Personal rhythm: a person's slots are mostly of one kind (evenings, weekends, ...) at a similar hour. */
const availability = (next: Random): WeeklySlot[] => {
  const count = 2 + Math.floor(next() * 4); // 2–5
  const habit = weighted(next, [
    ['evening', 55],
    ['weekend', 28],
    ['daytime', 10],
    ['morning', 7],
  ] as const);
  const hour = 17 + Math.floor(next() * 4); // the usual evening start, 17–20
  const slots: WeeklySlot[] = [];
  const used = new Set<string>();
  for (let i = 0; i < count * 3 && slots.length < count; i++) {
    const kind =
      next() < 0.7
        ? habit
        : weighted(next, [
            ['evening', 5],
            ['weekend', 3],
            ['daytime', 1],
            ['morning', 1],
          ] as const);
    let day: Weekday;
    let from: number;
    let length: number;
    switch (kind) {
      case 'evening':
        day = pick(next, WEEKDAYS);
        from = (hour + Math.floor(next() * 3) - 1) * 60 + (next() < 0.2 ? 30 : 0);
        length = 60 + 30 * Math.floor(next() * 5); // 1–3 h
        break;
      case 'weekend':
        day = pick(next, WEEKEND);
        from = (9 + Math.floor(next() * 8)) * 60;
        length = 120 + 60 * Math.floor(next() * 3); // 2–4 h
        break;
      case 'daytime':
        day = pick(next, WEEKDAYS);
        from = (10 + Math.floor(next() * 5)) * 60;
        length = 60 + 60 * Math.floor(next() * 2);
        break;
      default:
        day = pick(next, [...WEEKDAYS, ...WEEKEND]);
        from = (6 + Math.floor(next() * 3)) * 60 + (next() < 0.5 ? 30 : 0);
        length = 60 + 30 * Math.floor(next() * 2);
    }
    const key = `${day}${from}`;
    if (used.has(key)) continue;
    used.add(key);
    slots.push({ day, from: time(from), to: time(Math.min(from + length, 24 * 60)) });
  }
  return slots;
};

const person = (next: Random, id: string, role: 'mentor' | 'mentee', programId: string): MatchProfile => {
  const region = weighted(
    next,
    REGIONS.map((r) => [r, r.share] as const),
  );
  const first = weighted(next, region.languages);
  const languages = [first];
  if (next() < region.second) {
    const second = weighted(next, region.secondLanguages);
    if (second !== first) languages.push(second);
  }
  // A regional variant now and then (en-GB, pt-BR): only the primary subtag matters for matching.
  if (next() < 0.1 && first === 'en' && region.name === 'uk') languages[0] = 'en-GB';
  if (next() < 0.3 && first === 'pt' && region.name === 'lusophone') languages[0] = 'pt-BR';

  const situations = [
    weighted(
      next,
      SITUATIONS.map((s) => [s, s.share] as const),
    ),
  ];
  if (next() < 0.3) situations.push(pick(next, SITUATIONS));
  const main = situations[0] as Situation;

  const experiences = new Set<string>();
  const experienceCount = 1 + Math.floor(next() * (role === 'mentor' ? 4 : 3)); // 1–4 mentors, 1–3 mentees
  for (const s of situations)
    for (const e of sample(next, s.experiences, experienceCount)) experiences.add(e);
  const goals = new Set<string>();
  for (const g of sample(next, main.goals, 1 + Math.floor(next() * 3))) goals.add(g);
  const interests = new Set<string>();
  const interestCount = 2 + Math.floor(next() * 4); // 2–5
  while (interests.size < interestCount) {
    interests.add(next() < 0.45 ? pick(next, main.interests) : pick(next, INTERESTS));
  }
  const trim = (set: Set<string>, max: number) => [...set].slice(0, max).map((t) => respell(next, t));

  const format: Format = weighted(next, [
    ['online', 50],
    ['either', 38],
    ['in-person', 12],
  ] as const);
  const profile: MatchProfile = {
    id,
    programId,
    role,
    languages,
    format,
    timezone: weighted(next, region.zones),
    availability: availability(next),
    experiences: trim(experiences, role === 'mentor' ? 5 : 4),
    interests: trim(interests, 5),
    goals: trim(goals, 3),
  };
  if (format !== 'online' || next() < 0.5) profile.city = pick(next, region.cities);
  if (role === 'mentor') {
    profile.capacity = weighted(next, [
      [1, 25],
      [2, 30],
      [3, 22],
      [4, 13],
      [5, 10],
    ] as const);
    // Most mentors say what they can help with: goals they have lived through, across their situations.
    if (next() < 0.8) {
      const helps = new Set<string>();
      for (const s of situations)
        for (const g of sample(next, s.goals, 2 + Math.floor(next() * 3))) helps.add(g);
      profile.helpsWith = [...helps].map((t) => respell(next, t));
    }
  }
  return profile;
};

export interface GeneratedPool {
  mentors: MatchProfile[];
  mentees: MatchProfile[];
}

/** `mentees` mentees and a quarter as many mentors (capacity 1–5), all in one program; same seed, same pool. */
export const generateProfiles = (options: {
  mentees: number;
  mentors?: number;
  seed?: number;
  programId?: string;
}): GeneratedPool => {
  const { mentees: menteeCount, seed = 1, programId = 'peer-mentoring' } = options;
  const mentorCount = options.mentors ?? Math.max(1, Math.round(menteeCount / 4));
  const next = seededRandom(seed * 1_000_003 + menteeCount);
  const mentors = Array.from({ length: mentorCount }, (_, i) =>
    person(next, `mentor-${i}`, 'mentor', programId),
  );
  const mentees = Array.from({ length: menteeCount }, (_, i) =>
    person(next, `mentee-${i}`, 'mentee', programId),
  );
  return { mentors, mentees };
};
