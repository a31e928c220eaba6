/**
 * The 67 CMMLU subjects with the Chinese name the official prompt uses, and the subcategory and
 * category the paper reports by (from the CMMLU repository's subject mapping). Used when the data comes
 * from the Hub, whose archive has only the CSVs; a local copy's subjects.json takes precedence.
 */
export const CMMLU_CATEGORIES = ["STEM", "Humanities", "Social Science", "Other", "China specific"] as const;
export type CmmluCategory = (typeof CMMLU_CATEGORIES)[number];

export interface CmmluSubjectInfo {
  zh: string;
  subcategory: string;
  category: CmmluCategory;
}

export const CMMLU_SUBJECTS: Readonly<Record<string, CmmluSubjectInfo>> = {
  agronomy: { zh: "农学", subcategory: "other", category: "Other" },
  anatomy: { zh: "解剖学", subcategory: "biology", category: "STEM" },
  ancient_chinese: { zh: "古汉语", subcategory: "linguistics", category: "China specific" },
  arts: { zh: "艺术学", subcategory: "arts", category: "Humanities" },
  astronomy: { zh: "天文学", subcategory: "physics", category: "STEM" },
  business_ethics: { zh: "商业伦理", subcategory: "business", category: "Social Science" },
  chinese_civil_service_exam: { zh: "中国公务员考试", subcategory: "politics", category: "China specific" },
  chinese_driving_rule: { zh: "中国驾驶规则", subcategory: "other", category: "China specific" },
  chinese_food_culture: { zh: "中国饮食文化", subcategory: "culture", category: "China specific" },
  chinese_foreign_policy: { zh: "中国外交政策", subcategory: "politics", category: "China specific" },
  chinese_history: { zh: "中国历史", subcategory: "history", category: "China specific" },
  chinese_literature: { zh: "中国文学", subcategory: "literature", category: "China specific" },
  chinese_teacher_qualification: { zh: "中国教师资格", subcategory: "education", category: "China specific" },
  clinical_knowledge: { zh: "临床知识", subcategory: "other", category: "Other" },
  college_actuarial_science: { zh: "大学精算学", subcategory: "math", category: "STEM" },
  college_education: { zh: "大学教育学", subcategory: "education", category: "Social Science" },
  college_engineering_hydrology: { zh: "大学工程水文学", subcategory: "engineering", category: "STEM" },
  college_law: { zh: "大学法律", subcategory: "law", category: "Humanities" },
  college_mathematics: { zh: "大学数学", subcategory: "math", category: "STEM" },
  college_medical_statistics: { zh: "大学医学统计", subcategory: "statistics", category: "STEM" },
  college_medicine: { zh: "大学医学", subcategory: "other", category: "Other" },
  computer_science: { zh: "计算机科学", subcategory: "computer science", category: "STEM" },
  computer_security: { zh: "计算机安全", subcategory: "other", category: "Other" },
  conceptual_physics: { zh: "概念物理学", subcategory: "physics", category: "STEM" },
  construction_project_management: { zh: "建设工程管理", subcategory: "other", category: "China specific" },
  economics: { zh: "经济学", subcategory: "economics", category: "Social Science" },
  education: { zh: "教育学", subcategory: "education", category: "Social Science" },
  electrical_engineering: { zh: "电气工程", subcategory: "engineering", category: "STEM" },
  elementary_chinese: { zh: "小学语文", subcategory: "linguistics", category: "China specific" },
  elementary_commonsense: { zh: "小学常识", subcategory: "other", category: "China specific" },
  elementary_information_and_technology: { zh: "小学信息技术", subcategory: "other", category: "Other" },
  elementary_mathematics: { zh: "初等数学", subcategory: "math", category: "STEM" },
  ethnology: { zh: "民族学", subcategory: "culture", category: "China specific" },
  food_science: { zh: "食品科学", subcategory: "other", category: "Other" },
  genetics: { zh: "遗传学", subcategory: "biology", category: "STEM" },
  global_facts: { zh: "全球事实", subcategory: "global", category: "Humanities" },
  high_school_biology: { zh: "高中生物", subcategory: "biology", category: "STEM" },
  high_school_chemistry: { zh: "高中化学", subcategory: "chemistry", category: "STEM" },
  high_school_geography: { zh: "高中地理", subcategory: "geography", category: "Social Science" },
  high_school_mathematics: { zh: "高中数学", subcategory: "math", category: "STEM" },
  high_school_physics: { zh: "高中物理学", subcategory: "physics", category: "STEM" },
  high_school_politics: { zh: "高中政治", subcategory: "politics", category: "China specific" },
  human_sexuality: { zh: "人类性行为", subcategory: "other", category: "Other" },
  international_law: { zh: "国际法学", subcategory: "law", category: "Humanities" },
  journalism: { zh: "新闻学", subcategory: "sociology", category: "Social Science" },
  jurisprudence: { zh: "法理学", subcategory: "law", category: "Humanities" },
  legal_and_moral_basis: { zh: "法律与道德基础", subcategory: "other", category: "Other" },
  logical: { zh: "逻辑学", subcategory: "philosophy", category: "Humanities" },
  machine_learning: { zh: "机器学习", subcategory: "computer science", category: "STEM" },
  management: { zh: "管理学", subcategory: "business", category: "Social Science" },
  marketing: { zh: "市场营销", subcategory: "business", category: "Social Science" },
  marxist_theory: { zh: "马克思主义理论", subcategory: "philosophy", category: "Humanities" },
  modern_chinese: { zh: "现代汉语", subcategory: "linguistics", category: "China specific" },
  nutrition: { zh: "营养学", subcategory: "other", category: "Other" },
  philosophy: { zh: "哲学", subcategory: "philosophy", category: "Humanities" },
  professional_accounting: { zh: "专业会计", subcategory: "business", category: "Social Science" },
  professional_law: { zh: "专业法学", subcategory: "law", category: "Humanities" },
  professional_medicine: { zh: "专业医学", subcategory: "other", category: "Other" },
  professional_psychology: { zh: "专业心理学", subcategory: "psychology", category: "Social Science" },
  public_relations: { zh: "公共关系", subcategory: "politics", category: "Social Science" },
  security_study: { zh: "安全研究", subcategory: "politics", category: "Social Science" },
  sociology: { zh: "社会学", subcategory: "culture", category: "Social Science" },
  sports_science: { zh: "体育学", subcategory: "other", category: "Other" },
  traditional_chinese_medicine: { zh: "中医中药", subcategory: "other", category: "China specific" },
  virology: { zh: "病毒学", subcategory: "biology", category: "STEM" },
  world_history: { zh: "世界历史", subcategory: "history", category: "Humanities" },
  world_religions: { zh: "世界宗教", subcategory: "global", category: "Humanities" },
};
