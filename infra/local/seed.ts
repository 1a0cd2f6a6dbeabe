import type { Organisation } from '../../shared/domain/organisation';

/** The demo organisations `npm start` provides, so a newcomer can try a signup at once. */
export const demoOrganisations: Organisation[] = [
  {
    orgId: 'demo-university',
    kind: 'university',
    name: 'Northfield University',
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
    ],
    branding: { colour: '#1f4e79' },
    contacts: { coordinator: 'mentoring@northfield.example', safeguarding: 'wellbeing@northfield.example' },
    crisisHelp:
      'If you are in crisis or feel unsafe, call the campus wellbeing line on 0100 000 0000 (24 hours) or your local emergency number. In the UK you can also call Samaritans free on 116 123.',
  },
  {
    orgId: 'demo-nonprofit',
    kind: 'nonprofit',
    name: 'Harbour Lights Community',
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
      },
    ],
    branding: { colour: '#2e7d5b' },
    contacts: {
      coordinator: 'peers@harbourlights.example',
      safeguarding: 'safeguarding@harbourlights.example',
    },
    crisisHelp:
      'If you are in crisis or thinking about harming yourself or your baby, call your local emergency number now. In the UK, Samaritans answer free on 116 123, day or night; the PANDAS helpline supports parents on 0808 1961 776.',
  },
];
