/** Cohorts (人群) that products price differently and charities sponsor (seed 004 list, seed 002 脱贫 pricing). */
export const COHORTS = {
  tekun: "特困人员",
  orphan: "孤儿",
  dibao: "低保对象",
  /** 低保边缘家庭成员: just above the 低保 line, where the "cliff effect" (悬崖效应) of seed 003 bites. */
  dibao_edge: "低保边缘家庭成员",
  tuopin: "脱贫人口",
  monitored: "纳入监测范围的农村易致贫返贫人口",
  disabled: "残疾人",
  hardship_worker: "困难职工",
  elderly: "老年群体",
  chronic: "慢性病患者",
  special_disease_family: "特殊疾病家庭",
} as const;
export type Cohort = keyof typeof COHORTS;
export const COHORT_IDS = Object.keys(COHORTS) as Cohort[];
