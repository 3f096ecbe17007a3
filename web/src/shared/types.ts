/**
 * The API's answers as the front ends read them: the very types the server validates and serializes with
 * (`z.infer` of src/contract, the one description of the wire; the OpenAPI at /docs is generated from the
 * same schemas). Type-only imports: nothing of src/ reaches the bundle (web/vite.config.ts refuses it).
 * Amounts are yuan strings unless a field says fen.
 */

export type { AntiSelectionView } from "../../../src/contract/anti-selection.js";
export type { ClaimListItem, ClaimListPage } from "../../../src/contract/claim-list.js";
export type {
  ClaimableList,
  ClaimableRecord,
  ClaimTrail,
  ConsentList,
  ConsentView,
  CounterCaseView,
  CounterQueue,
  CounterSettingsView,
  CounterSubmitted,
  FeedOutcome,
  OnlineClaimResults,
  PayoutBatchList,
  PayoutBatchView,
  Reconciliation,
  StoredDocument,
} from "../../../src/contract/claims.js";
export type {
  AuditEntry,
  AuditPage,
  ComplianceView,
  PolicyListItem,
  PolicyPage,
  PoolList,
  PoolSummary,
  SponsoredClaim,
  SponsoredClaimPage,
} from "../../../src/contract/console.js";
export type { EnrollmentResult, PreauthResult } from "../../../src/contract/enrollment.js";
export type {
  InstitutionCredentials,
  InstitutionList,
  InstitutionView,
} from "../../../src/contract/institutions.js";
export type { LedgerSummary, Statement } from "../../../src/contract/ledger.js";
export type { NotificationList, NotificationView } from "../../../src/contract/notifications.js";
export type {
  EnrollmentBreakdown,
  EnrollmentRow,
  OversightSummary,
  PayoutDistribution,
  Trends,
  WeekTrend,
} from "../../../src/contract/oversight.js";
export type { OrderView, OrderView as PaymentOrder } from "../../../src/contract/payments.js";
export type { CancelQuote, PolicyView } from "../../../src/contract/policies.js";
export type { PricingBody, PricingView } from "../../../src/contract/pricing.js";
export type {
  BenefitQuote,
  Eligibility,
  LiabilityView,
  MyPolicy,
  PlanView,
  ProductSheet,
  RatioView,
  ResidentOverview,
} from "../../../src/contract/product.js";
export type {
  DiffView,
  ProductComplianceView,
  ProductList,
  ProductVersionDetail,
  ProductVersionView,
  PublishView,
  SheetView,
  ValidationView,
} from "../../../src/contract/products.js";
export type { ProgramView } from "../../../src/contract/programs.js";
export type { ActionProgress } from "../../../src/contract/progress.js";
export type {
  FunnelRowView,
  PromotionFunnel,
  PromotionList,
  PromotionView,
} from "../../../src/contract/promotions.js";
export type { ReplayBody, ReplayView } from "../../../src/contract/replay.js";
export type { ProgramReserveView } from "../../../src/contract/reserve.js";
export type { RetrospectiveView } from "../../../src/contract/retrospective.js";
export type { RosterImportRecord, RosterImportResult } from "../../../src/contract/roster.js";
export type {
  ClaimView,
  SettlementResponse,
  SpecialDrugResponse,
  WireLine,
} from "../../../src/contract/settlement.js";
export type {
  EnrollmentListItem,
  EnrollmentPage,
  UnitUploadReport,
} from "../../../src/contract/unit-enrollment.js";
