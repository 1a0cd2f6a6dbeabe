import type { Organisation } from '../../shared/domain/organisation';

/** The demo organisations `npm start` provides, so a newcomer can try a signup at once. */
export const demoOrganisations: Organisation[] = [
  {
    orgId: 'demo-university',
    kind: 'university',
    name: 'Northfield University',
    homeRegion: 'eu-west-1',
    consent: {
      version: 'demo-university-2026-11',
      text: 'I agree that Northfield University stores my answers to match me with a peer mentor and emails me about my mentoring. I can ask for my data or its deletion at any time.',
    },
    defaultProgramId: 'first-year-mentoring',
    programs: [
      {
        programId: 'first-year-mentoring',
        name: 'First-year peer mentoring',
        kind: 'mentoring',
        // Each mentor takes one first-year student unless they offer more on the form.
        matching: { defaultMentorCapacity: 1 },
      },
      // Two peer groups for the university directory to filter: one online, one small and in person.
      {
        programId: 'exam-stress-circle',
        name: 'Exam stress peer circle',
        kind: 'peer-group',
        seats: 10,
        schedule: {
          rrule: 'FREQ=WEEKLY;BYDAY=MO;BYHOUR=17;BYMINUTE=0',
          timezone: 'Europe/London',
          startsOn: '2026-01-05',
          durationMinutes: 60,
        },
        topics: ['exam stress', 'study skills'],
        format: 'online',
        language: 'en',
        contact: 'wellbeing-groups@northfield.example',
        accessibility: 'Online with live captions; cameras optional.',
      },
      {
        programId: 'international-coffee',
        name: 'International students\u2019 coffee group',
        kind: 'peer-group',
        // Small on purpose: a table at the campus caf\u00e9, so it is often full.
        seats: 2,
        schedule: {
          rrule: 'FREQ=WEEKLY;BYDAY=FR;BYHOUR=11;BYMINUTE=0',
          timezone: 'Europe/London',
          startsOn: '2026-01-09',
          durationMinutes: 60,
        },
        topics: ['moving to a new country', 'making friends'],
        format: 'in-person',
        place: 'Northfield main campus',
        language: 'en',
        contact: 'international@northfield.example',
        accessibility: 'Step-free access to the caf\u00e9; quiet corner available.',
      },
    ],
    branding: { colour: '#1f4e79' },
    // The demo site npm start serves beside the API (a different origin), which embeds this form.
    allowedOrigins: ['http://127.0.0.1:3001', 'http://localhost:3001'],
    contacts: { coordinator: 'mentoring@northfield.example', safeguarding: 'wellbeing@northfield.example' },
    crisisHelp:
      'If you are in crisis or feel unsafe, call the campus wellbeing line on 0100 000 0000 (24 hours) or your local emergency number. In the UK you can also call Samaritans free on 116 123.',
  },
  {
    orgId: 'demo-nonprofit',
    kind: 'nonprofit',
    name: 'Harbour Lights Community',
    homeRegion: 'eu-west-1',
    consent: {
      version: 'demo-nonprofit-2026-11',
      text: 'I agree that Harbour Lights stores my answers to connect me with peers who share my experience and emails me about it. Peer support complements, and never replaces, professional help.',
    },
    defaultProgramId: 'peer-mentoring',
    programs: [
      { programId: 'peer-mentoring', name: 'Peer mentoring for new parents', kind: 'mentoring' },
      {
        programId: 'new-parents-circle',
        name: 'New parents\u2019 support circle',
        kind: 'peer-group',
        seats: 8,
        // Tuesday evenings in London, 18:30 local in winter and summer alike.
        schedule: {
          rrule: 'FREQ=WEEKLY;BYDAY=TU;BYHOUR=18;BYMINUTE=30',
          timezone: 'Europe/London',
          startsOn: '2026-01-06',
          durationMinutes: 90,
        },
        topics: ['new parents', 'sleep', 'postnatal wellbeing'],
        format: 'hybrid',
        place: 'Bristol',
        language: 'en',
        contact: 'circle@harbourlights.example',
        accessibility:
          'Step-free access, baby changing and a quiet room; babies welcome; captions on the online link.',
      },
    ],
    branding: { colour: '#2e7d5b' },
    allowedOrigins: ['http://127.0.0.1:3001', 'http://localhost:3001'],
    contacts: {
      coordinator: 'peers@harbourlights.example',
      safeguarding: 'safeguarding@harbourlights.example',
    },
    crisisHelp:
      'If you are in crisis or thinking about harming yourself or your baby, call your local emergency number now. In the UK, Samaritans answer free on 116 123, day or night; the PANDAS helpline supports parents on 0808 1961 776.',
  },
];
