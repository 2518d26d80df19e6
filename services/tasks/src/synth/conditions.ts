/**
 * The diagnoses the synthetic notes are built around: a fixed list of common inpatient ICD-10-CM
 * codes (dotless, billable, as in MIMIC-IV `diagnoses_icd`) with the table's exact description and
 * the phrases a clinician would write about them. Every code is checked against the shared ICD-10
 * table by the generator's tests.
 */

/** One diagnosis with its code and the wording the text builders use. */
export interface Condition {
  /** Dotless ICD-10-CM code. */
  readonly code: string;
  /** The code's description in the ICD-10-CM table, verbatim. */
  readonly description: string;
  /** Short clinical name, as in a problem list ("Acute kidney injury"). */
  readonly name: string;
  /** How the patient presented or how it was found (completes "presented with ..."). */
  readonly finding: string;
  /** What was done for it (completes "... and was treated with ..."). */
  readonly treatment: string;
}

function c(code: string, description: string, name: string, finding: string, treatment: string): Condition {
  return { code, description, name, finding, treatment };
}

/** The fixed list of conditions (69 codes). */
export const CONDITIONS: readonly Condition[] = [
  c('I10', 'Essential (primary) hypertension', 'Hypertension', 'blood pressures up to 178/96', 'amlodipine titrated to 10 mg daily'),
  c('E119', 'Type 2 diabetes mellitus without complications', 'Type 2 diabetes mellitus', 'an HbA1c of 7.4%', 'an insulin sliding scale while inpatient, home metformin resumed at discharge'),
  c('E1122', 'Type 2 diabetes mellitus with diabetic chronic kidney disease', 'Diabetic nephropathy', 'albuminuria and a slowly rising creatinine', 'tight glycemic control and continuation of lisinopril'),
  c('E1165', 'Type 2 diabetes mellitus with hyperglycemia', 'Hyperglycemia', 'fingersticks above 350 mg/dL', 'basal-bolus insulin with diabetes educator teaching'),
  c('E1140', 'Type 2 diabetes mellitus with diabetic neuropathy, unspecified', 'Diabetic neuropathy', 'burning pain in both feet', 'gabapentin 300 mg at bedtime'),
  c('N179', 'Acute kidney failure, unspecified', 'Acute kidney injury', 'a creatinine of 2.4 from a baseline of 1.0', 'IV fluids and holding nephrotoxic medications'),
  c('N183', 'Chronic kidney disease, stage 3 (moderate)', 'Chronic kidney disease stage 3', 'a stable eGFR of 41', 'renal dosing of all medications'),
  c('N186', 'End stage renal disease', 'End stage renal disease', 'missed dialysis sessions and volume overload', 'resumption of the home hemodialysis schedule'),
  c('Z992', 'Dependence on renal dialysis', 'Dialysis dependence', 'a left arm AV fistula with a good thrill', 'hemodialysis on Monday, Wednesday and Friday'),
  c('J189', 'Pneumonia, unspecified organism', 'Pneumonia', 'fever, productive cough and a right lower lobe opacity', 'ceftriaxone and azithromycin'),
  c('J690', 'Pneumonitis due to inhalation of food and vomit', 'Aspiration pneumonia', 'coughing with meals and a new infiltrate', 'ampicillin-sulbactam and a speech and swallow evaluation'),
  c('J449', 'Chronic obstructive pulmonary disease, unspecified', 'COPD', 'wheezing and increased sputum', 'nebulized bronchodilators and a prednisone taper'),
  c('J45909', 'Unspecified asthma, uncomplicated', 'Asthma', 'intermittent wheeze', 'continuation of the home inhaler'),
  c('J9601', 'Acute respiratory failure with hypoxia', 'Acute hypoxic respiratory failure', 'an oxygen saturation of 84% on room air', 'high-flow nasal cannula, weaned to room air'),
  c('I4891', 'Unspecified atrial fibrillation', 'Atrial fibrillation', 'an irregularly irregular rhythm at 130 bpm', 'metoprolol for rate control and apixaban'),
  c('I480', 'Paroxysmal atrial fibrillation', 'Paroxysmal atrial fibrillation', 'self-limited runs of atrial fibrillation on telemetry', 'metoprolol succinate'),
  c('I509', 'Heart failure, unspecified', 'Heart failure', 'dyspnea on exertion, orthopnea and leg edema', 'IV furosemide diuresis with a net negative balance of 4 liters'),
  c('I110', 'Hypertensive heart disease with heart failure', 'Hypertensive heart disease with heart failure', 'an ejection fraction of 35% and uncontrolled blood pressure', 'carvedilol and sacubitril-valsartan'),
  c('I2510', 'Atherosclerotic heart disease of native coronary artery without angina pectoris', 'Coronary artery disease', 'a history of two drug-eluting stents', 'aspirin and a high-intensity statin'),
  c('I214', 'Non-ST elevation (NSTEMI) myocardial infarction', 'NSTEMI', 'chest pressure and a troponin peaking at 2.1', 'heparin infusion and cardiac catheterization'),
  c('I639', 'Cerebral infarction, unspecified', 'Ischemic stroke', 'acute right-sided weakness and slurred speech', 'aspirin, atorvastatin and inpatient rehabilitation'),
  c('I2699', 'Other pulmonary embolism without acute cor pulmonale', 'Pulmonary embolism', 'pleuritic chest pain and a segmental filling defect on CT angiography', 'a heparin drip bridged to apixaban'),
  c('I82409', 'Acute embolism and thrombosis of unspecified deep veins of unspecified lower extremity', 'Deep vein thrombosis', 'calf swelling and a non-compressible popliteal vein', 'therapeutic anticoagulation'),
  c('I739', 'Peripheral vascular disease, unspecified', 'Peripheral vascular disease', 'claudication and diminished pedal pulses', 'cilostazol and a walking program'),
  c('I959', 'Hypotension, unspecified', 'Hypotension', 'systolic pressures in the 80s', 'fluid boluses and holding antihypertensives'),
  c('R55', 'Syncope and collapse', 'Syncope', 'a brief loss of consciousness while standing', 'telemetry monitoring, which showed no arrhythmia'),
  c('E785', 'Hyperlipidemia, unspecified', 'Hyperlipidemia', 'an LDL of 162', 'atorvastatin 40 mg'),
  c('E039', 'Hypothyroidism, unspecified', 'Hypothyroidism', 'a TSH of 9.8', 'an increase of levothyroxine to 100 mcg'),
  c('E669', 'Obesity, unspecified', 'Obesity', 'a BMI of 34', 'nutrition counseling'),
  c('E871', 'Hypo-osmolality and hyponatremia', 'Hyponatremia', 'a sodium of 124', 'fluid restriction and salt tablets'),
  c('E876', 'Hypokalemia', 'Hypokalemia', 'a potassium of 2.9', 'oral and IV potassium repletion'),
  c('E875', 'Hyperkalemia', 'Hyperkalemia', 'a potassium of 6.1 with peaked T waves', 'calcium gluconate, insulin with dextrose and patiromer'),
  c('E872', 'Acidosis', 'Metabolic acidosis', 'a bicarbonate of 14', 'a sodium bicarbonate infusion'),
  c('E43', 'Unspecified severe protein-calorie malnutrition', 'Severe protein-calorie malnutrition', 'a 12 kg weight loss over 6 months', 'oral nutritional supplements three times daily'),
  c('E559', 'Vitamin D deficiency, unspecified', 'Vitamin D deficiency', 'a 25-OH vitamin D level of 11', 'ergocalciferol 50,000 units weekly'),
  c('D649', 'Anemia, unspecified', 'Anemia', 'a hemoglobin of 8.1', 'monitoring without transfusion'),
  c('D509', 'Iron deficiency anemia, unspecified', 'Iron deficiency anemia', 'a ferritin of 6', 'IV iron sucrose'),
  c('D62', 'Acute posthemorrhagic anemia', 'Acute blood loss anemia', 'a hemoglobin drop from 11.2 to 7.0', 'two units of packed red blood cells'),
  c('D696', 'Thrombocytopenia, unspecified', 'Thrombocytopenia', 'a platelet count of 62,000', 'holding heparin products'),
  c('K219', 'Gastro-esophageal reflux disease without esophagitis', 'GERD', 'postprandial heartburn', 'pantoprazole 40 mg daily'),
  c('K922', 'Gastrointestinal hemorrhage, unspecified', 'Gastrointestinal bleed', 'melena and lightheadedness', 'a pantoprazole infusion and endoscopy'),
  c('K254', 'Chronic or unspecified gastric ulcer with hemorrhage', 'Bleeding gastric ulcer', 'hematemesis and an ulcer with a visible vessel on endoscopy', 'endoscopic clipping and twice-daily pantoprazole'),
  c('K5730', 'Diverticulosis of large intestine without perforation or abscess without bleeding', 'Diverticulosis', 'scattered sigmoid diverticula on CT', 'a high-fiber diet'),
  c('K8000', 'Calculus of gallbladder with acute cholecystitis without obstruction', 'Acute calculous cholecystitis', 'right upper quadrant pain and a positive Murphy sign', 'laparoscopic cholecystectomy'),
  c('K7030', 'Alcoholic cirrhosis of liver without ascites', 'Alcoholic cirrhosis', 'a nodular liver on ultrasound', 'abstinence counseling and hepatology follow-up'),
  c('K766', 'Portal hypertension', 'Portal hypertension', 'splenomegaly and esophageal varices', 'nadolol'),
  c('R188', 'Other ascites', 'Ascites', 'abdominal distension', 'a diagnostic and therapeutic paracentesis of 5 liters'),
  c('A419', 'Sepsis, unspecified organism', 'Sepsis', 'fever to 39.2, tachycardia and a lactate of 3.8', 'broad-spectrum antibiotics and IV fluids'),
  c('R6520', 'Severe sepsis without septic shock', 'Severe sepsis', 'new organ dysfunction without vasopressor need', 'early antibiotics and fluid resuscitation'),
  c('N390', 'Urinary tract infection, site not specified', 'Urinary tract infection', 'dysuria and a positive urinalysis', 'a seven-day course of ceftriaxone, then cefpodoxime'),
  c('B9620', 'Unspecified Escherichia coli [E. coli] as the cause of diseases classified elsewhere', 'E. coli infection', 'urine cultures growing pan-sensitive E. coli', 'narrowing of antibiotics to the culture sensitivities'),
  c('A0472', 'Enterocolitis due to Clostridium difficile, not specified as recurrent', 'C. difficile colitis', 'profuse watery diarrhea and a positive toxin assay', 'oral vancomycin for 10 days'),
  c('L03116', 'Cellulitis of left lower limb', 'Left leg cellulitis', 'erythema and warmth of the left shin', 'cefazolin, transitioned to cephalexin'),
  c('F329', 'Major depressive disorder, single episode, unspecified', 'Depression', 'low mood and poor sleep', 'continuation of sertraline'),
  c('F1020', 'Alcohol dependence, uncomplicated', 'Alcohol use disorder', 'daily drinking of six beers', 'thiamine, folate and addiction counseling'),
  c('F17210', 'Nicotine dependence, cigarettes, uncomplicated', 'Tobacco use', 'a 30 pack-year smoking history', 'a nicotine patch and cessation counseling'),
  c('G4733', 'Obstructive sleep apnea (adult) (pediatric)', 'Obstructive sleep apnea', 'loud snoring and daytime somnolence', 'nightly CPAP'),
  c('G309', "Alzheimer's disease, unspecified", "Alzheimer's disease", 'progressive memory loss over 3 years', 'continuation of donepezil'),
  c('F0390', 'Unspecified dementia, unspecified severity, without behavioral disturbance, psychotic disturbance, mood disturbance, and anxiety', 'Dementia', 'disorientation to time and place', 'delirium precautions and family support'),
  c('M109', 'Gout, unspecified', 'Gout', 'a hot, swollen first toe joint', 'colchicine and a short prednisone course'),
  c('M810', 'Age-related osteoporosis without current pathological fracture', 'Osteoporosis', 'a DEXA T-score of -2.9', 'alendronate with calcium and vitamin D'),
  c('S72001A', 'Fracture of unspecified part of neck of right femur, initial encounter for closed fracture', 'Right femoral neck fracture', 'right hip pain and a shortened, externally rotated leg', 'hemiarthroplasty by orthopedics'),
  c('W19XXXA', 'Unspecified fall, initial encounter', 'Fall', 'a mechanical fall at home', 'a physical therapy evaluation'),
  c('Z7901', 'Long term (current) use of anticoagulants', 'Chronic anticoagulation', 'chronic warfarin use', 'INR monitoring'),
  c('Z794', 'Long term (current) use of insulin', 'Insulin dependence', 'long-standing insulin use', 'continuation of insulin glargine'),
  c('Z87891', 'Personal history of nicotine dependence', 'Former smoker', 'a remote smoking history', 'no intervention'),
  c('Z66', 'Do not resuscitate', 'DNR status', 'a documented wish for no resuscitation', 'a goals of care discussion with the family'),
  c('C3490', 'Malignant neoplasm of unspecified part of unspecified bronchus or lung', 'Lung cancer', 'a spiculated 3.1 cm lung mass', 'oncology referral for staging'),
  c('C61', 'Malignant neoplasm of prostate', 'Prostate cancer', 'a rising PSA', 'continuation of leuprolide'),
];

/** Conditions looked up by code. */
export const CONDITION_BY_CODE: ReadonlyMap<string, Condition> = new Map(CONDITIONS.map((x) => [x.code, x]));
