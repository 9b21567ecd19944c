// Core: the service's behaviour, independent of gRPC. Every rule of the workflow
// (design.md) lives in the Core: who may do what to which unit in which phase and state
// (server/policy.h), the deadlines, validation of figures through the engine (errors
// name the field path and nothing is stored), etags, and scores computed from stored
// data and cached until a write changes them. Handlers (service.cc) only translate
// between gRPC and Core.
//
// Core itself only owns the parts, one per service area, and the RoundCache they share:
//   catalog()      criteria sets, plans, units           server/core_catalog.h
//   rounds()       rounds, phases, the list of a round   server/core_round.h
//   assessments()  forms, evidence, explanations, survey server/core_assessment.h
//   scores()       scores, ranking, summary              server/core_score.h
//   reports()      exports                               server/core_report.h
//   access()       tokens, Authenticate, audit           server/core_access.h
//   records()      dossier records, computed figures     server/core_records.h
//   tasks()        plan tasks, progress, task figures    server/core_tasks.h
// Request ids, Caller and CheckUnit: server/core_base.h. Caches: server/round_cache.h.
#ifndef PARINDEX_SERVER_CORE_H_
#define PARINDEX_SERVER_CORE_H_

#include "server/core_access.h"
#include "server/core_account.h"
#include "server/core_assessment.h"
#include "server/core_base.h"
#include "server/core_catalog.h"
#include "server/core_records.h"
#include "server/core_report.h"
#include "server/core_round.h"
#include "server/core_score.h"
#include "server/core_tasks.h"
#include "server/round_cache.h"
#include "server/store/store.h"

namespace parindex::server {

class Core {
 public:
  // `cache_accounts` false: every call reads its account from the store (bench/ only).
  // On a store shared with other servers (PostgreSQL), their changes make the caches
  // forget what they kept (OnStoreChanges).
  Core(store::Store* store, const store::Clock* clock, bool cache_accounts = true);
  ~Core();
  Core(const Core&) = delete;
  Core& operator=(const Core&) = delete;

  CatalogCore& catalog() { return catalog_; }
  RoundCore& rounds() { return rounds_; }
  AssessmentCore& assessments() { return assessments_; }
  ScoreCore& scores() { return scores_; }
  ReportCore& reports() { return reports_; }
  AccessCore& access() { return access_; }
  AccountCore& accounts() { return accounts_; }
  RecordCore& records() { return records_; }
  TaskCore& tasks() { return tasks_; }

  // Another server changed these resources (store::Store::ChangeListener): the scores,
  // rounds, accounts and tokens cached of them are read again.
  void OnStoreChanges(const std::vector<std::string>& resources);

 private:
  store::Store* store_;
  RoundCache cache_;  // before the parts: they hold a pointer to it
  CatalogCore catalog_;
  RoundCore rounds_;
  AssessmentCore assessments_;
  ScoreCore scores_;
  ReportCore reports_;
  AccessCore access_;
  AccountCore accounts_;
  RecordCore records_;
  TaskCore tasks_;
};

}  // namespace parindex::server

#endif  // PARINDEX_SERVER_CORE_H_
