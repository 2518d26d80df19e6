/**
 * Test support (not part of the runtime API): small synthetic LongHealth benchmarks built in code, written as
 * `benchmark_v5.json`-shaped JSON text. No real data is used.
 */

/** One synthetic question. `options` are answer_a..answer_e; `locations` name answer documents. */
export interface SynthQuestion {
  readonly question: string;
  readonly options: readonly [string, string, string, string, string];
  readonly correct: string;
  readonly locations: readonly string[];
}

/** One synthetic patient; `texts` in file order. */
export interface SynthPatient {
  readonly id: string;
  readonly texts: readonly (readonly [string, string])[];
  readonly questions: readonly SynthQuestion[];
}

/** `benchmark_v5.json`-shaped text for the patients (key order as given; `No` numbers questions from 1). */
export function benchmarkJson(patients: readonly SynthPatient[]): string {
  const root: Record<string, unknown> = {};
  for (const p of patients) {
    root[p.id] = {
      name: `Name of ${p.id}`,
      birthday: '1970-01-01',
      diagnosis: 'synthetic',
      texts: Object.fromEntries(p.texts),
      questions: p.questions.map((q, i) => ({
        No: i + 1,
        question: q.question,
        answer_a: q.options[0],
        answer_b: q.options[1],
        answer_c: q.options[2],
        answer_d: q.options[3],
        answer_e: q.options[4],
        correct: q.correct,
        answer_location: Object.fromEntries(q.locations.map((t) => [t, { start: [0.25], end: [0.5] }])),
      })),
    };
  }
  return JSON.stringify(root, null, 1);
}

/** A deterministic document of `words` words with some punctuation and line breaks, tagged by `tag`. */
export function synthDocument(tag: string, words: number): string {
  const vocab = ['patient', 'was', 'admitted', 'with', 'fever', 'and', 'cough', 'therapy', 'dose', 'mg', 'CT', 'scan'];
  const parts: string[] = [`Letter ${tag}:`];
  let x = tag.length * 7919 + words;
  for (let i = 0; i < words; i++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    let w = vocab[x % vocab.length]!;
    if (i % 9 === 8) w += '.';
    else if (i % 5 === 4) w += ',';
    parts.push(w);
    if (i % 23 === 22) parts.push('\n');
  }
  return parts.join(' ') + ` (${tag})`;
}

/**
 * Four patients with 2-4 texts each and questions covering: one and two answer documents, a `correct` text found
 * in two options (first in key order wins), a `correct` found in no option (gold None) and one found only in CLUE's
 * `answer_f` text (gold None in task 1, "F" in task 2).
 */
export function synthPatients(): SynthPatient[] {
  const mk = (id: string, sizes: readonly number[]): (readonly [string, string])[] =>
    sizes.map((n, i) => [`text_${i}`, synthDocument(`${id}/${i}`, n)] as const);
  return [
    {
      id: 'patient_01',
      texts: mk('patient_01', [120, 40, 260]),
      questions: [
        {
          question: 'What was the main diagnosis?',
          options: ['Pneumonia', 'Influenza', 'Bronchitis', 'Asthma', 'COPD'],
          correct: 'Influenza',
          locations: ['text_2'],
        },
        {
          question: 'Which drug was given first?',
          options: ['Aspirin 100 mg', 'Heparin', 'Aspirin', 'Ibuprofen', 'None'],
          correct: 'Aspirin',
          locations: ['text_1', 'text_0'],
        },
      ],
    },
    {
      id: 'patient_02',
      texts: mk('patient_02', [80, 300]),
      questions: [
        {
          question: 'When was the CT scan?',
          options: ['2019', '2020', '2021', '2022', '2023'],
          correct: '2024',
          locations: ['text_1'],
        },
      ],
    },
    {
      id: 'patient_03',
      texts: mk('patient_03', [50, 60, 70, 500]),
      questions: [
        {
          question: 'What is known about the follow-up?',
          options: ['Weekly', 'Monthly', 'Yearly', 'Never', 'Daily'],
          correct: 'provided documents',
          locations: ['text_3', 'text_1'],
        },
        {
          question: 'Which organ was affected?',
          options: ['Liver', 'Kidney', 'Lung', 'Heart', 'Brain'],
          correct: 'Lung',
          locations: ['text_2'],
        },
      ],
    },
    {
      id: 'patient_04',
      texts: mk('patient_04', [30, 45]),
      questions: [],
    },
  ];
}

/**
 * `count` patients with `textsEach` short texts and one question each (the answer in text_1, or text_0 and the
 * last text), so the distractor pool exceeds 85 texts and `random.sample` takes its set-based branch.
 */
export function manyPatients(count: number, textsEach: number): SynthPatient[] {
  return Array.from({ length: count }, (_, i) => {
    const id = `patient_${String(i + 1).padStart(2, '0')}`;
    return {
      id,
      texts: Array.from({ length: textsEach }, (_, t) => [`text_${t}`, synthDocument(`${id}/${t}`, 10 + ((i * 7 + t * 13) % 40))] as const),
      questions: [
        {
          question: `Question about ${id}?`,
          options: ['one', 'two', 'three', 'four', 'five'],
          correct: ['one', 'two', 'three', 'four', 'five'][i % 5]!,
          locations: i % 2 === 0 ? ['text_1'] : ['text_0', `text_${textsEach - 1}`],
        },
      ],
    };
  });
}
