/**
 * Shandong's rare-disease rules for 惠民保 as seed 003 reports them (《2022–2023多层次医疗保障创新案例集》,
 * 第三章（二）“罕见病多层次保障⸺山东罕见病保障体系”). The seed quotes 山东省医保局《关于优化调整定制型商业
 * 医疗保险的意见（试行）》(2022-05) without its clause numbers, so `clause` is the seed's section: "2.1"
 * (the 1+N framework) and "2.2" (what every 惠民保 product must carry).
 */
import { yuan } from "../../domain/money.js";
import type { LiabilityScope, RuleSet } from "../types.js";

/**
 * Disease names that mark a catalog item as a rare-disease drug, matched in its `indication`. The seed names
 * 戈谢病、庞贝病、法布雷病 (2.1); the others are from the national 《第一批罕见病目录》(2018), which the
 * seed says the list follows ("根据国家罕见病目录……进行动态调整").
 */
export const RARE_DISEASES: readonly string[] = [
  "戈谢病",
  "庞贝病",
  "法布雷病",
  "法布里病",
  "糖原累积病",
  "脊髓性肌萎缩症",
  "阵发性睡眠性血红蛋白尿",
  "纯合子家族性高胆固醇血症",
  "黏多糖贮积症",
  "血友病",
  "多发性硬化",
  "肌萎缩侧索硬化",
  "特发性肺动脉高压",
  "特发性肺纤维化",
  "视神经脊髓炎",
  "结节性硬化症",
  "遗传性血管性水肿",
  "苯丙酮尿症",
  "尼曼匹克病",
  "甲基丙二酸血症",
  "肝豆状核变性",
  "全身型重症肌无力",
  "进行性肌营养不良",
];

const RARE: LiabilityScope = { kind: "rare_disease", diseases: RARE_DISEASES };

const OPINION =
  "2022年5月，山东省医保局发布《关于优化调整定制型商业医疗保险的意见（试行）》，提出全省的惠民保产品原则上要将罕见病药品费用（包括相关疾病特殊疗效食品）纳入保障范围，起付线不高于1万元，报销比例不低于70%，封顶线不低于30万/人";

export const SHANDONG_RARE_DISEASE: RuleSet = {
  id: "shandong-rare-disease",
  name: {
    zh: "山东罕见病多层次保障（惠民保罕见病责任）",
    en: "Shandong rare-disease multi-level protection",
  },
  source: "seeds/003 第三章（二）山东罕见病保障体系",
  rules: [
    {
      id: "multi_layer_order",
      clause: "2.1",
      kind: "not_measurable",
      reason: {
        zh: "产品不声明与大病保险、药企援助、医疗救助、慈善帮扶的衔接顺序",
        en: "a product version does not state its order against the other layers",
      },
      title: { zh: "1+N多层次衔接", en: "1+N layering" },
      description: {
        zh: "2.1“由大病保险、药企援助、医疗救助和慈善帮扶共同为符合条件患者提供待遇保障”；“1+N”即“大病保险配合‘惠民保’、企业援助、社会慈善救助”。",
        en: "2.1 Critical-illness insurance, manufacturer assistance, medical assistance and charity share the burden (1+N).",
      },
    },
    {
      id: "rare_disease_coverage",
      clause: "2.2",
      kind: "rare_disease_coverage",
      diseases: RARE_DISEASES,
      minItems: 1,
      title: { zh: "罕见病药品纳入保障", en: "rare-disease drugs covered" },
      description: {
        zh: `2.2“${OPINION}”：每个方案须至少有一项责任的目录含罕见病药品（按适应症识别）。`,
        en: "2.2 Every plan covers rare-disease drugs: some liability's catalog lists a drug for a rare disease.",
      },
    },
    {
      id: "rare_disease_special_food",
      clause: "2.2",
      kind: "not_measurable",
      reason: {
        zh: "产品目录不区分特殊疗效食品（目录项类别仅有药品、治疗、器械）",
        en: "catalog items have no food kind (drug, therapy, device only)",
      },
      title: { zh: "特殊疗效食品纳入保障", en: "special medical foods covered" },
      description: {
        zh: "2.2“罕见病药品费用（包括相关疾病特殊疗效食品）纳入保障范围”。",
        en: "2.2 Rare-disease cover includes special medical foods for those diseases.",
      },
    },
    {
      id: "rare_disease_deductible_max",
      clause: "2.2",
      kind: "deductible_max",
      scope: RARE,
      maxFen: yuan(10_000),
      title: { zh: "罕见病责任起付线", en: "rare-disease deductible" },
      description: {
        zh: `2.2“${OPINION}”：罕见病责任适用的免赔额不高于10000元。`,
        en: "2.2 The deductible of a rare-disease liability is at most 10,000 yuan.",
      },
    },
    {
      id: "rare_disease_ratio_min",
      clause: "2.2",
      kind: "ratio_min",
      scope: RARE,
      minBps: 7000,
      title: { zh: "罕见病责任报销比例", en: "rare-disease ratio" },
      description: {
        zh: `2.2“${OPINION}”：罕见病责任每个比例档（含既往症）不低于70%。`,
        en: "2.2 Every ratio variant of a rare-disease liability is at least 70%.",
      },
    },
    {
      id: "rare_disease_cap_min",
      clause: "2.2",
      kind: "liability_cap_min",
      scope: RARE,
      minFen: yuan(300_000),
      title: { zh: "罕见病责任封顶线", en: "rare-disease cap" },
      description: {
        zh: `2.2“${OPINION}”：按责任实际可赔上限（自身限额、共用限额、年度累计取小）衡量。`,
        en: "2.2 The cap a person can reach under a rare-disease liability (own, shared, annual) is at least 300,000.",
      },
    },
    {
      id: "rare_disease_drug_list",
      clause: "2.2",
      kind: "not_measurable",
      reason: {
        zh: "种子材料未列明7款药品名称，无法逐一核对",
        en: "the seed does not name the 7 drugs",
      },
      title: { zh: "罕见病药品责任清单", en: "rare-disease drug list" },
      description: {
        zh: "2.2“制定了具体的责任清单，包括7款国内已上市且但未纳入国家基本医保药品目录的罕见病用药”。",
        en: "2.2 The liability list includes 7 marketed rare-disease drugs outside the national reimbursement list.",
      },
    },
    {
      id: "rare_disease_list_adjustment",
      clause: "2.2",
      kind: "not_measurable",
      reason: {
        zh: "动态调整需比较相邻年度产品版本，单一版本无法衡量",
        en: "needs successive product versions to compare",
      },
      title: { zh: "清单动态调整", en: "list kept up to date" },
      description: {
        zh: "2.2“明确根据国家罕见病目录及国内药品上市、国家基本医保目录调整情况进行动态调整”。",
        en: "2.2 The list follows the national rare-disease catalogue, new approvals and reimbursement-list changes.",
      },
    },
  ],
};
