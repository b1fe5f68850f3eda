import { CONTACT_DEPARTMENTS, CONTACT_ROLES, CONTACT_SENIORITIES } from '../schema/catalog';
import { fold } from '../matching/name';

/**
 * The job-title classifier: seniority and department from a title as people write it
 * ("Sr. Acct Exec", "SVP, Finance", "Co-founder & CTO", "Geschäftsführer", "Gerente de
 * Ventas"), and the role derived by properties.md's rule. Pure: a title in, values out.
 * A title that says nothing (blank, "N/A", "Team member") gives `null` seniority and
 * `other` department/role rather than a guess.
 */
export type Seniority = (typeof CONTACT_SENIORITIES)[number];
export type Department = (typeof CONTACT_DEPARTMENTS)[number];
export type Role = (typeof CONTACT_ROLES)[number];

export interface TitleClass {
  seniority: Seniority | null;
  department: Department;
  role: Role;
}

/** Abbreviations people type, expanded before matching (word-level, after folding). */
const EXPAND: Record<string, string> = {
  sr: 'senior', snr: 'senior', jr: 'junior', jnr: 'junior', mgr: 'manager', mngr: 'manager', dir: 'director',
  asst: 'assistant', assoc: 'associate', exec: 'executive', eng: 'engineer', engr: 'engineer', dev: 'developer',
  mktg: 'marketing', mkt: 'marketing', acct: 'account', acc: 'account', ops: 'operations', admin: 'administrative',
  hr: 'hr', it: 'it', svp: 'vp', evp: 'vp', avp: 'vp', gvp: 'vp', rvp: 'vp', vpe: 'vp', swe: 'software engineer',
  sde: 'software engineer', pm: 'product manager', csm: 'customer success manager', ae: 'account executive',
  sdr: 'sales development representative', bdr: 'business development representative', am: 'account manager',
  md: 'managing director', gm: 'general manager', cofounder: 'co founder', 'co-founder': 'co founder', founding: 'founder',
  vicepresident: 'vp', 'vice-president': 'vp', headof: 'head of', qa: 'quality assurance', ux: 'ux', ui: 'ui',
  ea: 'executive assistant', pa: 'personal assistant', rep: 'representative', coord: 'coordinator', spec: 'specialist',
  vicepresidente: 'vp', vicepresidenta: 'vp', mgmt: 'management', tech: 'technical', fin: 'finance', proc: 'procurement', intl: 'international',
};

/** Fold, expand abbreviations, and reduce to space-separated words ("vice president" → "vp"). */
export function normalizeTitle(title: string): string {
  const words = fold(title)
    .replace(/&/g, ' and ')
    .replace(/\bvice[\s-]+president(e|a)?\b/g, ' vp ')
    .replace(/\bvize[\s-]?präsident(in)?\b|\bvizeprasident(in)?\b/g, ' vp ')
    .replace(/\bvice[\s-]+presidente?\b/g, ' vp ')
    .replace(/\bco[\s-]+founder\b/g, ' co founder ')
    .replace(/\bc[\s-]level\b/g, ' c suite ')
    .replace(/[^\p{L}\p{N}+#]+/gu, ' ')
    .trim()
    .split(/\s+/)
    .filter(Boolean);
  return words.map((w) => EXPAND[w] ?? w).join(' ');
}

const has = (t: string, re: RegExp) => re.test(t);

/** Chief-officer abbreviations and the department each leads. */
const CHIEFS: Record<string, Department> = {
  ceo: 'executive', coo: 'operations', cfo: 'finance', cto: 'engineering', cio: 'it', ciso: 'security', cso: 'security',
  cmo: 'marketing', cro: 'sales', cpo: 'product', cdo: 'data', chro: 'hr', cpeo: 'hr', clo: 'legal', cco: 'customer_success',
  caio: 'data', cxo: 'executive', cbo: 'executive', cgo: 'marketing',
};
/** "Chief X Officer": the department named by X. */
const CHIEF_OF: [RegExp, Department][] = [
  [/executive/, 'executive'], [/operating|operations/, 'operations'], [/financ/, 'finance'], [/technology|technical/, 'engineering'],
  [/information security|security/, 'security'], [/information|digital/, 'it'], [/marketing|brand|growth/, 'marketing'],
  [/revenue|sales|commercial/, 'sales'], [/product/, 'product'], [/data|analytics|ai/, 'data'], [/people|human|talent/, 'hr'],
  [/legal|compliance/, 'legal'], [/customer/, 'customer_success'], [/procurement|purchasing/, 'procurement'], [/design|creative/, 'design'],
  [/of staff/, 'executive'], [/business/, 'executive'],
];

function seniorityOf(t: string): Seniority | null {
  if (has(t, /\b(intern|internship|trainee|werkstudent(in)?|praktikant(in)?|stagiaire|becari[oa]|apprentice|azubi|auszubildende[r]?|working student|student)\b/)) return 'intern';
  // Assistants to executives carry the executive's words ("EA to the CEO"), not their level.
  if (has(t, /\b(executive assistant|personal assistant|assistant to|assistante? de direction|asistente de direccion)\b/)) return 'entry';
  if (has(t, /\b(owner|co owner|proprietor|inhaber(in)?|proprietaire|propietari[oa]|due[nñ]o|duena)\b/) && !has(t, /\bproduct owner\b|\bprocess owner\b/)) return 'owner';
  if (has(t, /\b(co founder|founder|gruender(in)?|grunder(in)?|grundungs|fondat(eur|rice)|fundador(a)?|cofundador(a)?)\b/)) return 'founder';
  if (has(t, /\bchief of staff\b/)) return 'head';
  if (has(t, /\bchief\b.*\bofficer\b|\bc suite\b/) || has(t, new RegExp(`\\b(${Object.keys(CHIEFS).join('|')})\\b`))) return 'c_suite';
  if (has(t, /\b(president|presidente|president directeur general|pdg|geschaftsfuhrer(in)?|geschaeftsfuehrer(in)?|managing director|director general|directeur general|directrice generale|director ejecutivo|directora ejecutiva|executive director|vorstand|vorstandsvorsitzende[r]?|general manager|consejero delegado|gerente general|general counsel)\b/) && !has(t, /\bvp\b|\bassistant\b|\bassistent(in)?\b|\bdeputy\b|\bassociate\b/)) return 'c_suite';
  // "Partner" is a rank ("Audit Partner", "Partner, Deloitte") unless it names a function ("Partner Manager", "HR Business Partner").
  if ((has(t, /\bpartner\b(?! (manager|management|marketing|success|programs?|sales|development|operations|relations|enablement|account|ecosystem))/) && !has(t, /\b(business|channel|hr|people|finance|learning|technology|strategic|alliance) partner\b/))
    || has(t, /\bteilhaber\b|\bsocio\b|\bassocie\b/)) return 'partner';
  if (has(t, /\bvp\b/)) return 'vp';
  if (has(t, /\b(team|gruppen)leiter(in)?\b/)) return 'manager';
  if (has(t, /\bassociate\b.*\bmanager\b/)) return 'entry';
  if (has(t, /\bhead\b|\bleiter(in)?\b|leiter(in)?\b|\bjef[ea]\b|\bdirecteur de departement\b/) && !has(t, /\bheadhunter\b/)) return 'head';
  if (has(t, /\b(director|directora|directeur|directrice|direktor(in)?|directeur commercial)\b/)) return 'director';
  if (has(t, /\b(manager|managerin|gerente|responsable|supervisor|supervisora|superviseur|team lead|team leader|encargad[oa]|chef de|chef d)\b/)) return 'manager';
  if (has(t, /\b(senior|principal|staff|lead|expert|experte|confirmed|confirme|deputy|specialist ii|iii|iv)\b/)) return 'senior';
  if (has(t, /\b(junior|associate|assistant|assistent(in)?|asistente|analyst|analista|coordinator|coordinador(a)?|coordinat(eur|rice)|representative|specialist|especialista|engineer|ingenieur(in)?|ingeniero|ingeniera|developer|entwickler(in)?|desarrollador(a)?|developpeur|developpeuse|consultant|consultor(a)?|berater(in)?|designer|disenador(a)?|accountant|contador(a)?|comptable|buchhalter(in)?|recruiter|scientist|architect|administrator|executive|agent|officer|clerk|technician|tecnico|techniker|programmer|programmierer|sachbearbeiter(in)?|\w*mitarbeiter(in)?|assistante?|referent(in)?|vendedor(a)?|commercial|charge|chargee|attache|writer|editor|counsel|attorney|lawyer|paralegal|buyer|acheteur|einkaufer(in)?|comprador(a)?|receptionist|advocate|partner|bookkeeper|marketer|strategist|generalist|planner|auditor|controller|rep|sdr|bdr|ae|csm|swe|sde)\b/)) return 'entry';
  return null;
}

/** Department keywords, most specific first (the first hit wins). */
const DEPARTMENTS: [RegExp, Department][] = [
  [/\b(executive assistant|personal assistant|assistant to the (ceo|founder|president|managing director)|assistente? de direcci?on|assistante? de direction|assistente? der geschaftsfuhrung|chief of staff)\b/, 'executive'],
  // Specific phrases before the generic words they contain.
  [/\bproduct marketing\b|\b(evangelist|developer advocate|developer relations|devrel)\b/, 'marketing'],
  [/\b(sales|solutions?|pre ?sales) (engineer|consultant)\b|\bpartner manager\b/, 'sales'],
  [/\bnetwork (engineer|administrator)\b|\bit infrastructure\b/, 'it'],
  [/\b(recruit(er|ing|ment)|talent acquisition)\b/, 'hr'],
  [/\b(revenue|sales|business) operations\b|\b(revops|salesops)\b/, 'operations'],
  [/\b(procurement|purchasing|buyer|sourcing|einkauf|einkaufer(in)?|achats?|acheteur|acheteuse|compras|comprador(a)?|vendor management|category manager)\b/, 'procurement'],
  [/\b(security|infosec|cybersecurity|cyber|soc|penetration|pentest|sicherheit|securite|seguridad|ciso|cso|iam)\b/, 'security'],
  [/\b(customer success|client success|customer experience|cx|onboarding|implementation|account management|renewals?|retention|kundenbetreuung|exito del cliente|succes client|csm)\b/, 'customer_success'],
  [/\b(support|customer service|customer care|service desk|kundendienst|kundenservice|soporte|atencion al cliente|service client|technical support|help ?desk)\b/, 'support'],
  [/\b(data|analytics|business intelligence|bi|machine learning|ml|ai|artificial intelligence|datos|donnees|daten|statistic(s|ian)|insights|cdo|caio)\b/, 'data'],
  [/\b(design|designer|ux|ui|creative|art director|illustrator|disenador(a)?|diseno|graphiste|gestalter(in)?|grafik)\b/, 'design'],
  [/\b(product|produit|producto|produkt|cpo)\b/, 'product'],
  [/\b(engineer(ing)?|developer|software|backend|back end|frontend|front end|full ?stack|devops|sre|site reliability|quality assurance|qa|test automation|architect|programmer|programmierer|ingenieur(in)?|ingeniero|ingeniera|desarrollador(a)?|developpeur|developpeuse|\w*entwickl(er|erin|ung)|technology|technischer|technical|cto|r and d|research and development|firmware|embedded|mobile|ios|android|platform|infrastructure|cloud)\b/, 'engineering'],
  [/\b(it|information technology|information systems|systems administrator|sysadmin|network|informatique|informatica|edv|cio|desktop|helpdesk)\b/, 'it'],
  [/\b(sales|account executive|sales development|business development|account manager|vertrieb|vertriebs\w*|verkauf|commercial|commerciale|ventas|ventes|vendedor(a)?|revenue|cro|partnerships?|channel|alliances|inside sales|key account|pre ?sales|solutions? (engineer|consultant)|sdr|bdr|ae)\b/, 'sales'],
  [/\b(marketing|growth|brand|content|seo|sem|demand gen(eration)?|communications?|public relations|pr|social media|events?|mercadeo|mercadotecnia|kommunikation|cmo|copywriter|community)\b/, 'marketing'],
  [/\b(finance|financial|cfo|accounting|accountant|accounts (payable|receivable)|controller|controlling|treasury|fp and a|bookkeeper|tax|kaufmannischer|audit|auditor|payroll|finanzen|buchhaltung|buchhalter(in)?|comptable|comptabilite|finanzas|financier(e)?|financiero|contador(a)?|contabilidad|invest(or|ment) relations)\b/, 'finance'],
  [/\b(hr|human resources|people|talent|recruit(er|ing|ment)|chro|personal|personalwesen|rrhh|recursos humanos|ressources humaines|rh|hr business partner|compensation|benefits|learning and development)\b/, 'hr'],
  [/\b(legal|counsel|attorney|lawyer|paralegal|compliance|privacy|jurist(in)?|juridique|juridico|abogad[oa]|avocat|rechtsanwalt|rechtsanwaltin|clo|contracts)\b/, 'legal'],
  [/\b(operations|operating|coo|logistics|supply chain|facilities|office manager|administrative|administration|betrieb|operaciones|logistique|logistik|fulfillment|warehouse|process|receptionist|office administrator)\b/, 'operations'],
  [/\b(ceo|chief executive|founder|co founder|owner|president|presidente|pdg|geschaftsfuhrer(in)?|geschaeftsfuehrer(in)?|managing director|director general|directeur general|directrice generale|general manager|gerente general|vorstand|executive director|managing partner|partner|inhaber(in)?|proprietor|proprietaire|fundador(a)?|fondateur|fondatrice|gruender(in)?|grunder(in)?|propietari[oa]|consejero delegado|board)\b/, 'executive'],
];

function departmentOf(t: string): Department {
  // A chief officer leads a function ("CFO" → finance), whatever else the title says
  // ("Co-founder and CTO" → engineering).
  for (const w of t.split(' ')) if (CHIEFS[w] && w !== 'ceo' && w !== 'cxo' && w !== 'cbo') return CHIEFS[w]!;
  const chief = /\bchief (.+?) officer\b/.exec(t);
  if (chief) for (const [re, d] of CHIEF_OF) if (re.test(chief[1]!)) return d;
  // "VP of Sales, Marketing & Ops": the function named first after "of"/"," wins.
  for (const [re, d] of DEPARTMENTS) if (re.test(t)) return d;
  return 'other';
}

const ROLE_BY_SENIORITY: Record<Seniority, Role> = {
  owner: 'decision_maker', founder: 'decision_maker', c_suite: 'decision_maker', partner: 'decision_maker', vp: 'decision_maker',
  head: 'decision_maker', director: 'influencer', manager: 'influencer', senior: 'practitioner', entry: 'practitioner', intern: 'other',
};

/** Gatekeepers: executive and administrative assistants, office managers, procurement/purchasing staff. */
function isGatekeeper(t: string, department: Department): boolean {
  if (department === 'procurement') return true;
  return /\b(executive assistant|personal assistant|administrative assistant|administrative coordinator|office manager|office administrator|receptionist|secretary|secretaria|secretaire|sekretar(in)?|sekretaerin|assistant to|assistente? de direcci?on|assistante? de direction|assistente? der geschaftsfuhrung|office assistant)\b/.test(t);
}

export function classifyTitle(title: string | null | undefined): TitleClass {
  const t = normalizeTitle(title ?? '');
  if (!t || /^(n a|na|none|unknown|tbd|other|member|employee|staff|team member|\W*)$/.test(t)) return { seniority: null, department: 'other', role: 'other' };
  const seniority = seniorityOf(t);
  const department = departmentOf(t);
  const role: Role = isGatekeeper(t, department) ? 'gatekeeper' : seniority ? ROLE_BY_SENIORITY[seniority] : 'other';
  return { seniority, department, role };
}
