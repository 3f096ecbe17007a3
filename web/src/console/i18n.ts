/** The console's words, Chinese first. */
import { useDict } from "../shared/i18n.js";

const zh = {
  appTitle: "惠民保运营与监管平台",
  switchLang: "English",
  login: {
    title: "登录",
    program: "项目编号",
    programHelp: "例如 wenshan-2023；平台管理员填 *",
    username: "账号",
    password: "密码",
    submit: "登录",
    required: "此项必填",
    failed: "登录失败：请核对项目编号、账号和密码后重试。",
    resident: "参保人请使用手机端：",
    residentLink: "惠民保 H5",
    hospital: "医疗机构通过签名接口对接，不使用本控制台。",
  },
  logout: "退出登录",
  signedInAs: (user: string, role: string, program: string) => `${user}（${role}）· ${program}`,
  roles: {
    admin: "平台管理员",
    operator: "运营",
    co_insurer: "共保公司",
    bureau: "医保局",
    regulator: "金融监管",
    charity: "慈善机构",
    hospital: "医疗机构",
    resident: "参保人",
  } as Record<string, string>,
  noAccess: "此账号角色没有控制台页面。",
  notFound: "没有这个页面",
  backHome: "回到首页",
};

const en: typeof zh = {
  appTitle: "Huiminbao operations and oversight",
  switchLang: "中文",
  login: {
    title: "Sign in",
    program: "Program",
    programHelp: "e.g. wenshan-2023; platform administrators enter *",
    username: "Account",
    password: "Password",
    submit: "Sign in",
    required: "Required",
    failed: "Sign-in failed: check the program, account and password and try again.",
    resident: "Residents use the phone site:",
    residentLink: "Huiminbao H5",
    hospital: "Hospitals connect through the signed API, not this console.",
  },
  logout: "Sign out",
  signedInAs: (user: string, role: string, program: string) => `${user} (${role}) · ${program}`,
  roles: {
    admin: "administrator",
    operator: "operator",
    co_insurer: "co-insurer",
    bureau: "medical insurance bureau",
    regulator: "financial regulator",
    charity: "charity",
    hospital: "hospital",
    resident: "resident",
  },
  noAccess: "This account's role has no console pages.",
  notFound: "No such page",
  backHome: "Back to the start page",
};

export type ConsoleDict = typeof zh;

export function useT(): ConsoleDict {
  return useDict({ zh, en });
}
