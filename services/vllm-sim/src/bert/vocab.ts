/**
 * A deterministic synthetic stand-in for SciBERT's `vocab.txt` (the real file is not available
 * offline). Layout follows BERT/SciBERT's: `[PAD]` = 0, `[unused0]`..`[unused99]` = 1..100,
 * `[UNK]` = 101, `[CLS]` = 102, `[SEP]` = 103, `[MASK]` = 104; then single characters, `##`
 * continuations of single characters, common and clinical English words, `##` suffixes, and
 * `[unusedN]` filler up to the vocabulary size. Lower-case only (an uncased vocabulary).
 */

/** Special token ids of the synthetic SciBERT vocabulary. */
export const BERT_SPECIAL = { pad: 0, unk: 101, cls: 102, sep: 103, mask: 104 } as const;

/** Special token strings, never split by the basic tokenizer. */
export const BERT_SPECIAL_TOKENS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'] as const;

const CHARS =
  '!"#$%&\'()*+,-./0123456789:;<=>?@[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~' +
  '¡¢£¤¥§©«¬®°±²³µ¶·¹º»¼½¾¿×÷ßæðøþαβγδεζηθικλμνξοπρστυφχψωабвгдежзийклмнопрстуфхцчшщъыьэюя' +
  '‐‑–—‘’‚“”„†‡•…‰′″‹›€™←↑→↓↔⇒∀∂∃∅∆∇∈∑−∓√∝∞∠∧∨∩∪∫≈≠≡≤≥⊂⊃⊆⊇⊕⊗⊥⋅';

// Whole words (each also usable as the start of a longer word).
const WORDS = `the of and to in a is for with was were that on as by be at this are from or an it which
not no has have had been but all can also their its may more than other one two three four five six seven eight
nine ten these those such there after before during between within without into over under about up down out
new first second last high low normal abnormal left right bilateral upper lower acute chronic severe mild moderate
patient patients history present illness admission admitted discharge discharged hospital hospitalization
clinic clinical diagnosis diagnosed treatment treated therapy medication medications dose doses daily twice
blood pressure heart rate pulse respiratory oxygen saturation temperature fever chills pain chest abdominal
abdomen back head neck shoulder arm leg knee hip foot hand skin wound infection sepsis septic shock
pneumonia lung lungs pulmonary cardiac heart failure coronary artery disease myocardial infarction stroke
kidney renal liver hepatic bowel colon stomach gastric pancreas pancreatitis diabetes diabetic insulin glucose
hypertension hypotension tachycardia bradycardia atrial fibrillation edema effusion cough dyspnea shortness
breath breathing nausea vomiting diarrhea constipation bleeding hemorrhage anemia transfusion platelet
white cell cells count counts level levels lab labs test tests result results culture cultures negative positive
ct mri scan scans x ray rays ultrasound echo echocardiogram ekg ecg imaging showed shows revealed noted found
denies denied reports reported complains complained presented presents presenting per status post surgery
surgical procedure operation repair resection biopsy catheter line tube intubated extubated ventilator
icu unit care follow up outpatient primary physician doctor nurse team plan assessment recommend recommended
continue continued start started stop stopped increase increased decrease decreased change changed stable
improved improving worse worsening resolved symptoms symptom sign signs exam examination physical mental
alert oriented confused weak weakness fatigue weight loss gain appetite sleep home family social smoking
alcohol drug drugs allergy allergies reaction mg ml kg mm hg iv po prn bid tid qid hours hour day days week
weeks month months year years old male female man woman age aged yes he she his her him they them we you
cancer tumor tumors mass malignant benign metastatic metastasis chemotherapy radiation oncology lymph node
nodes thyroid adrenal brain neuro neurologic seizure seizures headache vision hearing speech memory dementia
depression anxiety psychiatric antibiotic antibiotics vancomycin heparin warfarin aspirin statin lasix
question answer summary problem problems list code codes letter document text sentence relation entailment
contradiction neutral because due secondary likely possible unlikely consistent evidence concern concerning
protein acid sodium potassium calcium magnesium chloride creatinine urine urinary bladder prostate
study studies trial data analysis method methods model models using used use based effect effects cohort
risk factor factors association associated increase rate rates outcome outcomes group groups control
significant significantly level compared versus total mean median range ratio odds survival mortality`;

// Starts of words that usually continue with a suffix piece.
const STEMS = `pneum card cardi hyper hypo gastro gastr neuro neur hepat nephr derm oste arthr cyst hem hema hemat
leuk lymph angi thromb embol bronch trache laryng pharyng esophag col rect pancreat splen thyr adren
encephal mening myel my fibr carcin onc sarc path path physi pharmac therap diagn prognos immun infect
inflamm ischem necr sten occlus dilat hypert hypotens tachy brady arrhythm fibrill ventric atri valv
intub extub ventil oxygen perfus transfus infus inject administ medic prescrib symptom syndrom`;

// Continuation pieces (stored with "##").
const SUFFIXES = `s es ed d ing ly er ers est ness ity ities ive ively ize ized ization ation ations ational ate ated ates
ating ion ions tion tions sion al ally ic ical ically ous ously ment ments able ible ary ory ist ists ism
ia ias itis osis oses emia aemia ectomy ostomy otomy plasty scopy ology ologist ological ogram graphy pathy
algia ectasis megaly lysis lytic genic genesis oma omas cyte cytes cytic penia philia rrhea rrhage
stasis static tropic trophy uria e a i o u y al ar or um us an en in on ine ide ase ose ol one`;

function words(list: string): string[] {
  return list.split(/\s+/).filter((w) => w !== '');
}

/** Builds the token list (index = id) of a vocabulary with `size` entries. */
export function buildBertVocab(size: number): string[] {
  const vocab: string[] = ['[PAD]'];
  for (let i = 0; i < 100; i++) vocab.push(`[unused${i}]`);
  vocab.push('[UNK]', '[CLS]', '[SEP]', '[MASK]');
  const seen = new Set(vocab);
  const add = (t: string) => {
    if (!seen.has(t) && vocab.length < size) {
      seen.add(t);
      vocab.push(t);
    }
  };
  const chars = [...CHARS];
  for (const c of chars) add(c);
  for (const c of chars) add(`##${c}`);
  for (const w of words(WORDS)) add(w);
  for (const w of words(STEMS)) add(w);
  for (const w of words(SUFFIXES)) add(`##${w}`);
  // Two-letter continuations make unknown words split into plausible pieces rather than characters.
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  for (const a of letters) for (const b of letters) add(`##${a}${b}`);
  for (const a of letters) for (const b of letters) add(`${a}${b}`);
  let k = 100;
  while (vocab.length < size) add(`[unused${k++}]`);
  return vocab;
}
