/**
 * Word lists for the synthetic clinical texts. Names are invented (deliberately unusual surnames) so
 * that no text can be mistaken for a real patient; a few carry non-ASCII letters on purpose.
 */

/** Invented female first names. */
export const FEMALE_NAMES: readonly string[] = [
  'Alma', 'Birte', 'Clara', 'Doris', 'Elin', 'Fenna', 'Greta', 'Hedda', 'Ilse', 'Juna', 'Liv', 'Mira',
  'Nora', 'Oda', 'Petra', 'Renée', 'Sanna', 'Tilda', 'Ulla', 'Zoë',
];

/** Invented male first names. */
export const MALE_NAMES: readonly string[] = [
  'Anton', 'Bruno', 'Cyril', 'Dario', 'Emil', 'Falk', 'Gustav', 'Henrik', 'Ivo', 'Jürgen', 'Kasimir',
  'Lorenz', 'Malte', 'Nils', 'Oskar', 'Pavel', 'Quirin', 'Rasmus', 'Till', 'Valentin',
];

/** Invented surnames. */
export const SURNAMES: readonly string[] = [
  'Ashgrove', 'Brambleton', 'Copperfield', 'Dunmore', 'Elderwick', 'Fennimore', 'Glasshaven', 'Hollowell',
  'Ironside', 'Juniperson', 'Kettleby', 'Larkspur', 'Mossberg', 'Nettlefold', 'Oakhurst', 'Pebbleton',
  'Quillfeather', 'Rookwood', 'Saltmarsh', 'Thistledown', 'Umberley', 'Vexley', 'Wrenfield', 'Yarrowby',
  'Zeltmann', 'Müller-Séguin',
];

/** Home medications with dose and frequency. */
export const MEDICATIONS: readonly string[] = [
  'aspirin 81 mg daily', 'atorvastatin 40 mg daily', 'metoprolol succinate 50 mg daily', 'lisinopril 10 mg daily',
  'amlodipine 5 mg daily', 'metformin 1000 mg twice daily', 'insulin glargine 22 units at bedtime',
  'furosemide 40 mg daily', 'apixaban 5 mg twice daily', 'levothyroxine 75 mcg daily', 'pantoprazole 40 mg daily',
  'sertraline 50 mg daily', 'gabapentin 300 mg three times daily', 'tamsulosin 0.4 mg at bedtime',
  'albuterol inhaler 2 puffs every 4 hours as needed', 'tiotropium 18 mcg inhaled daily', 'allopurinol 100 mg daily',
  'donepezil 10 mg at bedtime', 'vitamin D3 1000 units daily', 'docusate 100 mg twice daily',
  'senna 8.6 mg at bedtime as needed', 'acetaminophen 650 mg every 6 hours as needed', 'warfarin 5 mg daily',
  'carvedilol 12.5 mg twice daily', 'spironolactone 25 mg daily', 'cyanocobalamin 1000 µg daily',
];

/** Presenting complaints (chief complaint style). */
export const COMPLAINTS: readonly string[] = [
  'Shortness of breath', 'Chest pain', 'Fever', 'Abdominal pain', 'Weakness', 'Fall', 'Confusion',
  'Leg swelling', 'Cough', 'Dizziness', 'Nausea and vomiting', 'Black stools', 'Hip pain', 'Palpitations',
];

/** Allergy lines as MIMIC writes them. */
export const ALLERGIES: readonly string[] = [
  'No Known Allergies / Adverse Drug Reactions', 'Penicillins', 'Sulfa (Sulfonamide Antibiotics)', 'Codeine',
  'lisinopril', 'Iodinated Contrast Media - IV Dye', 'latex',
];

/** Hospital services. */
export const SERVICES: readonly string[] = ['MEDICINE', 'CARDIOLOGY', 'SURGERY', 'NEUROLOGY', 'ORTHOPAEDICS'];

/** Generic hospital-course sentences, used to vary note length. */
export const COURSE_FILLER: readonly string[] = [
  'Physical therapy evaluated the patient and recommended discharge home with services.',
  'Diet was advanced as tolerated without nausea.',
  'Home medications were continued unless noted otherwise.',
  'The patient remained hemodynamically stable on the floor.',
  'Electrolytes were repleted as needed throughout the stay.',
  'Subcutaneous heparin was given for DVT prophylaxis.',
  'Case management arranged visiting nurse services.',
  'Pain was controlled with acetaminophen and a short course of oxycodone.',
  'A bowel regimen was started given reduced mobility.',
  'Blood cultures remained without growth at the time of discharge.',
  'Telemetry did not show any significant arrhythmia.',
  'The patient was ambulating independently by the day of discharge.',
  'Nutrition was consulted and recommended oral supplements.',
  'Glucose was controlled with an insulin sliding scale while inpatient.',
  'Goals of care were discussed with the patient and the family.',
  'A repeat chest x-ray showed interval improvement.',
];

/** Subjective-section sentences of a daily progress note. */
export const SUBJECTIVE_FILLER: readonly string[] = [
  'Overnight the patient slept poorly because of cough.',
  'Denies chest pain, reports mild dyspnea on exertion.',
  'Tolerating a regular diet, no nausea or vomiting.',
  'Family at bedside, updated on the plan.',
  'Pain controlled with PRN acetaminophen.',
  'Had 2 loose stools overnight.',
  'Febrile to 38.3 overnight, cultures sent.',
  'Remains on 2 L nasal cannula, saturations in the mid-90s.',
  'Received 40 mg IV furosemide with good urine output.',
  'No acute events overnight.',
];

/** Discharge instruction sentences (patient-directed). */
export const INSTRUCTION_FILLER: readonly string[] = [
  'Please take all of your medications as prescribed.',
  'Please keep all of your follow-up appointments.',
  'Weigh yourself every morning and call your doctor if your weight goes up by more than 3 lbs.',
  'Call your doctor or return to the emergency department if you develop fever, chest pain or trouble breathing.',
  'Do not drive until you have been cleared by your doctor.',
  'Avoid alcohol while taking these medications.',
  'Please limit the salt in your diet to less than 2 grams per day.',
  'It was a pleasure taking care of you.',
];

/** Radiology and procedure reports a long patient history can contain. */
export const STUDIES: readonly string[] = [
  'Chest x-ray: no focal consolidation, no pleural effusion.',
  'CT abdomen and pelvis with contrast: no acute intra-abdominal process.',
  'Transthoracic echocardiogram: normal left ventricular size, ejection fraction 55%, mild mitral regurgitation.',
  'Ultrasound of the right upper quadrant: gallbladder wall thickening with stones.',
  'MRI of the brain: small acute infarct in the left corona radiata.',
  'Lower extremity venous duplex: no deep vein thrombosis.',
  'PET-CT: hypermetabolic mediastinal lymph nodes, SUVmax 7.2.',
  'Bone marrow biopsy: hypercellular marrow with 18% plasma cells.',
];
