// The commands of `parindex` (client/commands.h): one entry each in Commands(), each
// with its own options struct and a Define function that binds them and says what runs.
#include "client/commands.h"

#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "client/account_commands.h"
#include "client/admin_commands.h"
#include "client/api.h"
#include "client/call_command.h"
#include "client/connection.h"
#include "client/criteria_commands.h"
#include "client/eval_command.h"
#include "client/history_command.h"
#include "client/record_commands.h"
#include "client/round_commands.h"
#include "client/task_commands.h"
#include "client/text_table.h"
#include "common/export_tables.h"

namespace parindex::client {
namespace {

// What a parsed command does with the connection flags: its exit status.
using Run = std::function<int(const ConnectionFlags&)>;

// A command: its words ("round status"), its help, and a function that adds its
// options to its CLI11 subcommand (bound to an options struct of its own) and returns
// what to run once the command line is parsed.
struct Command {
  const char* path;
  const char* help;
  Run (*define)(CLI::App* cmd);
};

int Fail(const absl::Status& status) {
  std::cerr << "parindex: " << absl::StatusCodeToString(status.code()) << ": "
            << status.message() << "\n";
  return 1;
}

int Print(const absl::StatusOr<std::string>& out) {
  if (!out.ok()) return Fail(out.status());
  std::cout << *out;
  return 0;
}

// What the server's refusal means for the person at the command line.
absl::Status Explained(const absl::Status& status, const Connection& connection) {
  if (connection.from_session && absl::IsUnauthenticated(status))
    return absl::UnauthenticatedError("session expired: run parindex login");
  if (absl::IsFailedPrecondition(status) &&
      absl::StrContains(status.message(), "change the one-time password first")) {
    return absl::FailedPreconditionError(
        absl::StrCat(status.message(), ": run parindex passwd"));
  }
  return status;
}

// A command on files only.
Run Offline(std::function<absl::StatusOr<std::string>()> run) {
  return [run](const ConnectionFlags&) { return Print(run()); };
}

// A command against the server: the connection resolved (client/connection.h), then
// `run` with an Api over it.
Run Online(std::function<absl::StatusOr<std::string>(Api&, const Connection&)> run) {
  return [run](const ConnectionFlags& flags) {
    absl::StatusOr<Connection> connection = ResolveConnection(flags);
    if (!connection.ok()) return Fail(connection.status());
    Api api(connection->options);
    absl::StatusOr<std::string> out = run(api, *connection);
    if (!out.ok()) return Fail(Explained(out.status(), *connection));
    std::cout << *out;
    return 0;
  };
}
Run Online(std::function<absl::StatusOr<std::string>(Api&)> run) {
  return Online([run](Api& api, const Connection&) { return run(api); });
}

// "KEY=VALUE" arguments of `flag` as a map; INVALID_ARGUMENT naming the flag otherwise.
absl::StatusOr<std::map<std::string, std::string>> Pairs(
    const std::vector<std::string>& args, const char* flag, const char* shape) {
  std::map<std::string, std::string> pairs;
  for (const std::string& arg : args) {
    const size_t eq = arg.find('=');
    if (eq == std::string::npos || eq == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(flag, ": give ", shape, ", not '", arg, "'"));
    }
    if (!pairs.emplace(arg.substr(0, eq), arg.substr(eq + 1)).second) {
      return absl::InvalidArgumentError(
          absl::StrCat(flag, ": ", arg.substr(0, eq), " is given twice"));
    }
  }
  return pairs;
}

// ---- offline: files ----

struct EvalCommand {
  EvalOptions eval;
  std::string column = "self";
  bool json = false;
};
Run DefineEval(CLI::App* cmd) {
  auto o = std::make_shared<EvalCommand>();
  cmd->add_option("--criteria", o->eval.criteria_path, "Criteria set YAML")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--plan", o->eval.plan_path, "Reform plan YAML (targets, deadlines)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--figures", o->eval.figures_path,
                  "Figures YAML: units and their entries")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--column", o->column, "Which figures to score: self or appraised")
      ->check(CLI::IsMember({"self", "appraised"}));
  cmd->add_option("--unit", o->eval.unit, "Print only this unit (ranks still use all)");
  cmd->add_flag("--json", o->json,
                "Print JSON (protobuf's JSON mapping) instead of a table");
  return Offline([o]() -> absl::StatusOr<std::string> {
    o->eval.column = o->column == "appraised" ? v1::APPRAISED : v1::SELF;
    BlockSizes block_sizes;
    absl::StatusOr<v1::Evaluation> evaluation = Evaluate(o->eval, &block_sizes);
    if (!evaluation.ok()) return evaluation.status();
    if (o->json) return ToJson(*evaluation);
    return RenderEvaluation(*evaluation, block_sizes);
  });
}

struct FilesCommand {
  std::vector<std::string> files;
};
Run DefineCriteriaCheck(CLI::App* cmd) {
  auto o = std::make_shared<FilesCommand>();
  cmd->add_option("files", o->files, "YAML files")->required()->check(CLI::ExistingFile);
  return [o](const ConnectionFlags&) {
    const CheckResult result = CheckFiles(o->files);
    std::cout << result.report;
    std::cerr << result.errors;
    return result.ok() ? 0 : 1;
  };
}

struct FileCommand {
  std::string file;
};
Run DefineCriteriaShow(CLI::App* cmd) {
  auto o = std::make_shared<FileCommand>();
  cmd->add_option("file", o->file, "Criteria set YAML")
      ->required()
      ->check(CLI::ExistingFile);
  return Offline([o] { return ShowCriteriaSet(o->file); });
}
Run DefinePlanShow(CLI::App* cmd) {
  auto o = std::make_shared<FileCommand>();
  cmd->add_option("file", o->file, "Plan YAML")->required()->check(CLI::ExistingFile);
  return Offline([o] { return ShowPlan(o->file); });
}

// ---- the server's catalogue ----

struct ListCommand {
  std::string filter;
  bool json = false;
};
Run DefineCriteriaList(CLI::App* cmd) {
  auto o = std::make_shared<ListCommand>();
  cmd->add_flag("--json", o->json, "Print JSON");
  return Online([o](Api& api) { return ListCriteriaSets(api, o->json); });
}
Run DefineCriteriaUpload(CLI::App* cmd) {
  auto o = std::make_shared<FileCommand>();
  cmd->add_option("file", o->file, "Criteria set YAML")
      ->required()
      ->check(CLI::ExistingFile);
  return Online([o](Api& api) { return UploadCriteriaSet(api, o->file); });
}
Run DefinePlanList(CLI::App* cmd) {
  auto o = std::make_shared<ListCommand>();
  cmd->add_flag("--json", o->json, "Print JSON");
  return Online([o](Api& api) { return ListPlans(api, o->json); });
}
Run DefinePlanUpload(CLI::App* cmd) {
  auto o = std::make_shared<FileCommand>();
  cmd->add_option("file", o->file, "Plan YAML")->required()->check(CLI::ExistingFile);
  return Online([o](Api& api) { return UploadPlan(api, o->file); });
}
Run DefineUnitList(CLI::App* cmd) {
  auto o = std::make_shared<ListCommand>();
  cmd->add_option("--filter", o->filter, "kind=ward, parent=HYC or block=wards");
  cmd->add_flag("--json", o->json, "Print JSON");
  return Online([o](Api& api) { return ListUnits(api, o->filter, o->json); });
}
Run DefineUnitImport(CLI::App* cmd) {
  auto o = std::make_shared<FileCommand>();
  cmd->add_option("file", o->file, "CSV file")->required()->check(CLI::ExistingFile);
  return Online([o](Api& api) { return ImportUnits(api, o->file); });
}

// ---- rounds ----

struct RoundCommand {
  std::string round;
  bool json = false;
};
Run DefineRoundStatus(CLI::App* cmd) {
  auto o = std::make_shared<RoundCommand>();
  cmd->add_option("round", o->round, "Round id")->required();
  cmd->add_flag("--json", o->json, "Print JSON");
  return Online([o](Api& api) { return RoundStatus(api, o->round, o->json); });
}
Run DefineRoundCreate(CLI::App* cmd) {
  auto o = std::make_shared<RoundSpec>();
  cmd->add_option("id", o->id, "Round id")->required();
  cmd->add_option("--set", o->criteria_set, "Criteria set id")->required();
  cmd->add_option("--set-version", o->version, "Version to pin (default: the latest)");
  cmd->add_option("--plan", o->plans, "Plan id (repeatable)");
  cmd->add_option("--unit", o->units, "Unit code (repeatable)")->required();
  cmd->add_option("--title", o->title, "Title");
  cmd->add_option("--year", o->year, "The year it assesses (2025)")->required();
  cmd->add_option("--deadline", o->deadline,
                  "Self-assessment deadline, RFC 3339 (+07:00)");
  cmd->add_option("--explanation-deadline", o->explanation_deadline,
                  "Explanation deadline");
  return Online([o](Api& api) { return CreateRound(api, *o); });
}
Run DefineRoundOpen(CLI::App* cmd) {
  auto o = std::make_shared<RoundCommand>();
  cmd->add_option("round", o->round, "Round id")->required();
  return Online([o](Api& api) { return AdvanceRound(api, o->round, "SELF_ASSESSMENT"); });
}
struct AdvanceCommand {
  std::string round, phase;
};
Run DefineRoundAdvance(CLI::App* cmd) {
  auto o = std::make_shared<AdvanceCommand>();
  cmd->add_option("round", o->round, "Round id")->required();
  cmd->add_option("phase", o->phase,
                  "APPRAISAL, EXPLANATION, FINAL_APPRAISAL, FINALISED, PUBLISHED")
      ->required();
  return Online([o](Api& api) { return AdvanceRound(api, o->round, o->phase); });
}
struct ReopenCommand {
  std::string round, unit, reason;
};
Run DefineRoundReopen(CLI::App* cmd) {
  auto o = std::make_shared<ReopenCommand>();
  cmd->add_option("round", o->round, "Round id")->required();
  cmd->add_option("unit", o->unit, "Unit code")->required();
  cmd->add_option("--reason", o->reason, "Why (kept in the audit trail)")->required();
  return Online([o](Api& api) { return ReopenUnit(api, o->round, o->unit, o->reason); });
}

// ---- a unit's assessment ----

struct SubmitCommand {
  SubmitOptions submit;
  std::vector<std::string> evidence;
};
Run DefineSubmit(CLI::App* cmd) {
  auto o = std::make_shared<SubmitCommand>();
  cmd->add_option("round", o->submit.round, "Round id")->required();
  cmd->add_option("unit", o->submit.unit, "Unit code")->required();
  cmd->add_option("--figures", o->submit.figures,
                  "Figures YAML, or CSV (unit,element,value or criterion,field,value)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--evidence", o->evidence, "CRITERION=FILE to attach (repeatable)");
  cmd->add_flag("--dry-run", o->submit.dry_run,
                "Validate and preview the score; store nothing");
  cmd->add_flag("--no-submit", o->submit.no_submit,
                "Store the figures but do not submit yet");
  cmd->add_flag("--json", o->submit.json, "Print JSON (with --dry-run)");
  return Online([o](Api& api) -> absl::StatusOr<std::string> {
    absl::StatusOr<std::map<std::string, std::string>> evidence =
        Pairs(o->evidence, "--evidence", "CRITERION=FILE");
    if (!evidence.ok()) return evidence.status();
    o->submit.evidence = *evidence;
    return Submit(api, o->submit);
  });
}

struct ScoreCommand {
  std::string round, unit, column = "appraised";
  bool json = false;
};
Run DefineScore(CLI::App* cmd) {
  auto o = std::make_shared<ScoreCommand>();
  cmd->add_option("round", o->round, "Round id")->required();
  cmd->add_option("unit", o->unit, "Unit code")->required();
  cmd->add_option("--column", o->column, "self or appraised")
      ->check(CLI::IsMember({"self", "appraised"}));
  cmd->add_flag("--json", o->json, "Print JSON");
  return Online(
      [o](Api& api) { return UnitScore(api, o->round, o->unit, o->column, o->json); });
}

struct RankingCommand {
  std::string round, block;
  bool json = false;
};
Run DefineRanking(CLI::App* cmd) {
  auto o = std::make_shared<RankingCommand>();
  cmd->add_option("round", o->round, "Round id")->required();
  cmd->add_option("--block", o->block, "Only this block");
  cmd->add_flag("--json", o->json, "Print JSON");
  return Online([o](Api& api) { return Ranking(api, o->round, o->block, o->json); });
}

struct HistoryCommand {
  std::string unit, column = "appraised";
  bool with_predecessors = false, json = false;
};
Run DefineHistory(CLI::App* cmd) {
  auto o = std::make_shared<HistoryCommand>();
  cmd->add_option("unit", o->unit, "Unit code")->required();
  cmd->add_flag("--with-predecessors", o->with_predecessors,
                "Also the rounds of the units it was formed from (the 2025 merger)");
  cmd->add_option("--column", o->column, "self or appraised")
      ->check(CLI::IsMember({"self", "appraised"}));
  cmd->add_flag("--json", o->json, "Print JSON");
  return Online([o](Api& api) {
    return History(api, o->unit, o->with_predecessors, o->column, o->json);
  });
}

Run DefineExport(CLI::App* cmd) {
  auto o = std::make_shared<ExportOptions>();
  cmd->add_option("round", o->round, "Round id")->required();
  cmd->add_option("--format", o->format,
                  "xlsx, csv or html (the printable report: open it and print)")
      ->check(CLI::IsMember({"xlsx", "csv", "html"}));
  static const std::vector<std::string> kTables(export_table::kAll.begin(),
                                                export_table::kAll.end());
  // "…, datasheet or audit (an office's)": the server refuses the office's tables to
  // anyone else, naming the tables the caller has.
  static const std::string kTableList = [] {
    std::vector<std::string> named;
    for (absl::string_view t : export_table::kAll) {
      named.push_back(export_table::ForEveryone(t) ? std::string(t)
                                                   : absl::StrCat(t, " (an office's)"));
    }
    return absl::StrCat(absl::StrJoin(named.begin(), named.end() - 1, ", "), " or ",
                        named.back());
  }();
  cmd->add_option("--table", o->table, absl::StrCat("CSV: ", kTableList))
      ->check(CLI::IsMember(kTables));
  cmd->add_option("--language", o->language,
                  "vi or en: the words of the reasons, and the HTML's decimals")
      ->check(CLI::IsMember({"vi", "en"}));
  cmd->add_flag(
      "--decimal-comma", o->decimal_comma,
      "CSV: decimals with a comma, fields with ';' (spreadsheets in Vietnamese)");
  cmd->add_option("--column", o->column, "self or appraised (default)")
      ->check(CLI::IsMember({"self", "appraised"}));
  cmd->add_option(
      "--out", o->out,
      "File to write (default: the server's file name; - for standard output)");
  return Online([o](Api& api) -> absl::StatusOr<std::string> {
    if (o->format == "csv" && o->table.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--table: a CSV holds one table: ", kTableList));
    }
    return Export(api, *o);
  });
}

struct AppraiseCommand {
  AppraiseOptions appraise;
  std::vector<std::string> ask;
};
Run DefineAppraise(CLI::App* cmd) {
  auto o = std::make_shared<AppraiseCommand>();
  cmd->add_option("round", o->appraise.round, "Round id")->required();
  cmd->add_option("unit", o->appraise.unit, "Unit code")->required();
  cmd->add_option("--figures", o->appraise.figures, "Figures YAML with appraised: values")
      ->check(CLI::ExistingFile);
  cmd->add_option("--ask", o->ask,
                  "CRITERION=MESSAGE: request an explanation (repeatable)");
  cmd->add_option("--why", o->appraise.why,
                  "Why --ask asks: missing_evidence, figures_mismatch, wrong_period or "
                  "other");
  cmd->add_flag("--correction", o->appraise.correction,
                "A correction after finalisation (needs --reason)");
  cmd->add_option("--reason", o->appraise.reason, "Why");
  cmd->add_flag("--reviewed", o->appraise.reviewed,
                "The unit's explanations are read (nothing else changes)");
  cmd->add_flag("--finalise", o->appraise.finalise, "Finalise the unit afterwards");
  return Online([o](Api& api) -> absl::StatusOr<std::string> {
    absl::StatusOr<std::map<std::string, std::string>> ask =
        Pairs(o->ask, "--ask", "CRITERION=MESSAGE");
    if (!ask.ok()) return ask.status();
    o->appraise.ask = *ask;
    return Appraise(api, o->appraise);
  });
}

struct ExplainCommand {
  std::string round, unit;
  std::vector<std::string> texts;
  bool submit = false;
};
Run DefineExplain(CLI::App* cmd) {
  auto o = std::make_shared<ExplainCommand>();
  cmd->add_option("round", o->round, "Round id")->required();
  cmd->add_option("unit", o->unit, "Unit code")->required();
  cmd->add_option("--text", o->texts, "CRITERION=EXPLANATION (repeatable)");
  cmd->add_flag("--submit", o->submit, "The explanations are complete");
  return Online([o](Api& api) -> absl::StatusOr<std::string> {
    absl::StatusOr<std::map<std::string, std::string>> texts =
        Pairs(o->texts, "--text", "CRITERION=EXPLANATION");
    if (!texts.ok()) return texts.status();
    return Explain(api, o->round, o->unit, *texts, o->submit);
  });
}

struct SurveyCommand {
  std::string round, file;
};
Run DefineSurvey(CLI::App* cmd) {
  auto o = std::make_shared<SurveyCommand>();
  cmd->add_option("round", o->round, "Round id")->required();
  cmd->add_option("file", o->file, "unit,criterion,a,b,c,d or unit,criterion,percent")
      ->required()
      ->check(CLI::ExistingFile);
  return Online([o](Api& api) { return ImportSurvey(api, o->round, o->file); });
}

// ---- dossier records ----

struct RecordsImportCommand {
  std::string round, file, format;
  bool json = false;
};
Run DefineRecordsImport(CLI::App* cmd) {
  auto o = std::make_shared<RecordsImportCommand>();
  cmd->add_option("round", o->round, "Round id")->required();
  cmd->add_option("file", o->file, "Dossier records, CSV or JSON Lines (README)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--format", o->format, "csv or jsonl (default: from the extension)");
  cmd->add_flag("--json", o->json, "Print JSON");
  return Online([o](Api& api) {
    return ImportRecords(api, o->round, o->file, o->format, o->json);
  });
}

struct RecordsWhyCommand {
  std::string round, unit, element;
  bool json = false;
};
Run DefineRecordsWhy(CLI::App* cmd) {
  auto o = std::make_shared<RecordsWhyCommand>();
  cmd->add_option("round", o->round, "Round id")->required();
  cmd->add_option("unit", o->unit, "Unit code")->required();
  cmd->add_option("element", o->element, "A data element computed from records")
      ->required();
  cmd->add_flag("--json", o->json, "Print JSON");
  return Online([o](Api& api) {
    return WhyFigure(api, o->round, o->unit, o->element, o->json, &std::cout);
  });
}

struct RecordsGapsCommand {
  std::string round, unit;
  bool json = false;
};
Run DefineRecordsGaps(CLI::App* cmd) {
  auto o = std::make_shared<RecordsGapsCommand>();
  cmd->add_option("round", o->round, "Round id")->required();
  cmd->add_option("--unit", o->unit, "Only this unit's");
  cmd->add_flag("--json", o->json, "Print JSON");
  return Online([o](Api& api) { return RecordGaps(api, o->round, o->unit, o->json); });
}

// ---- plan tasks ----

struct TasksListCommand {
  std::string round, unit, as_of;
  bool overdue = false, json = false;
};
Run DefineTasksList(CLI::App* cmd) {
  auto o = std::make_shared<TasksListCommand>();
  cmd->add_option("round", o->round, "Round id")->required();
  cmd->add_option("--unit", o->unit, "Only this unit's");
  cmd->add_option("--as-of", o->as_of, "The day statuses are computed for (YYYY-MM-DD)");
  cmd->add_flag("--overdue", o->overdue, "Only overdue tasks");
  cmd->add_flag("--json", o->json, "Print JSON");
  return Online([o](Api& api) {
    return ListTasks(api, o->round, o->unit, o->as_of, o->overdue, o->json);
  });
}

struct TasksAssignCommand {
  std::string round, plan;
  int number = 0;
  std::vector<std::string> lead, coordinating;
  bool json = false;
};
Run DefineTasksAssign(CLI::App* cmd) {
  auto o = std::make_shared<TasksAssignCommand>();
  cmd->add_option("round", o->round, "Round id")->required();
  cmd->add_option("plan", o->plan, "Plan id")->required();
  cmd->add_option("task", o->number, "The task's place in the plan, from 1")->required();
  cmd->add_option("--lead", o->lead, "A unit that leads it (repeatable)");
  cmd->add_option("--coordinating", o->coordinating,
                  "A unit that coordinates (repeatable)");
  cmd->add_flag("--json", o->json, "Print JSON");
  return Online([o](Api& api) {
    return AssignTask(api, o->round, o->plan, o->number, o->lead, o->coordinating,
                      o->json);
  });
}

struct TasksProgressCommand {
  std::string round, plan, unit, state, done_on, note, evidence;
  int number = 0;
  bool json = false;
};
Run DefineTasksProgress(CLI::App* cmd) {
  auto o = std::make_shared<TasksProgressCommand>();
  cmd->add_option("round", o->round, "Round id")->required();
  cmd->add_option("plan", o->plan, "Plan id")->required();
  cmd->add_option("task", o->number, "The task's place in the plan, from 1")->required();
  cmd->add_option("--state", o->state, "not_started, in_progress or done")->required();
  cmd->add_option("--done-on", o->done_on, "The day it was done (YYYY-MM-DD)");
  cmd->add_option("--note", o->note, "A note");
  cmd->add_option("--evidence", o->evidence,
                  "Where the evidence is (a document, a link)");
  cmd->add_option("--unit", o->unit, "The unit (default: the ward's own)");
  cmd->add_flag("--json", o->json, "Print JSON");
  return Online([o](Api& api) {
    return ReportProgress(api, o->round, o->plan, o->number, o->unit, o->state,
                          o->done_on, o->note, o->evidence, o->json);
  });
}

struct TasksReportCommand {
  std::string round;
  int quarter = 0;
  bool json = false;
};
Run DefineTasksReport(CLI::App* cmd) {
  auto o = std::make_shared<TasksReportCommand>();
  cmd->add_option("round", o->round, "Round id")->required();
  cmd->add_option("quarter", o->quarter, "1 to 4 (reports of 14/3, 14/6, 14/9, 14/12)")
      ->required();
  cmd->add_flag("--json", o->json, "Print JSON");
  return Online(
      [o](Api& api) { return TasksReport(api, o->round, o->quarter, o->json); });
}

// ---- audit, tokens, any method ----

Run DefineAudit(CLI::App* cmd) {
  auto o = std::make_shared<ListCommand>();
  cmd->add_option("--filter", o->filter, "resource=… and/or actor=…, joined by ' AND '");
  cmd->add_flag("--json", o->json, "Print JSON");
  return Online([o](Api& api) { return ListAudit(api, o->filter, o->json); });
}

struct TokenCreateCommand {
  std::string role, unit, label;
  bool json = false;
};
Run DefineTokenCreate(CLI::App* cmd) {
  auto o = std::make_shared<TokenCreateCommand>();
  cmd->add_option("--role", o->role, "ward, appraiser, admin or reader")->required();
  cmd->add_option("--unit", o->unit, "For a ward token: its unit");
  cmd->add_option("--label", o->label, "Who holds it");
  cmd->add_flag("--json", o->json, "Print JSON");
  return Online(
      [o](Api& api) { return CreateToken(api, o->role, o->unit, o->label, o->json); });
}
Run DefineTokenRevoke(CLI::App* cmd) {
  auto o = std::make_shared<FileCommand>();
  cmd->add_option("id", o->file, "Token id (tok_…)")->required();
  return Online([o](Api& api) { return RevokeToken(api, o->file); });
}
Run DefineTokenList(CLI::App* cmd) {
  auto o = std::make_shared<ListCommand>();
  cmd->add_flag("--json", o->json, "Print JSON");
  return Online([o](Api& api) { return ListTokens(api, o->json); });
}

struct CallCommand {
  std::string method, json;
};
Run DefineCall(CLI::App* cmd) {
  auto o = std::make_shared<CallCommand>();
  cmd->add_option("method", o->method, "/parindex.v1.Service/Method")->required();
  cmd->add_option("request", o->json, "The request as JSON (protobuf's JSON mapping)");
  return Online(
      [o](Api&, const Connection& c) { return Call(c.options, o->method, o->json); });
}

// ---- people: sign-in ----

struct LoginCommand {
  std::string username;
};
Run DefineLogin(CLI::App* cmd) {
  auto o = std::make_shared<LoginCommand>();
  cmd->add_option("username", o->username, "Your username")->required();
  return [o](const ConnectionFlags& flags) {
    ConnectionFlags without_session = flags;
    without_session.use_session = false;
    absl::StatusOr<Connection> connection = ResolveConnection(without_session);
    if (!connection.ok()) return Fail(connection.status());
    return Print(Login(*connection, o->username));
  };
}
Run DefineLogout(CLI::App*) {
  return [](const ConnectionFlags&) { return Print(Logout()); };
}
Run DefineWhoAmI(CLI::App*) {
  return Online([](Api& api, const Connection& c) { return WhoAmI(api, c); });
}
Run DefinePasswd(CLI::App*) {
  return Online([](Api& api) { return ChangePassword(api); });
}

// Every command, in the order `parindex --help` lists them.
const std::vector<Command>& Commands() {
  static const std::vector<Command> commands = {
      {"eval", "Score figures offline against a criteria set and a plan", DefineEval},
      {"criteria check",
       "Validate criteria sets, plans and figures (exit 0, or file:line:col errors)",
       DefineCriteriaCheck},
      {"criteria show", "Print a criteria set's tree with its maxima",
       DefineCriteriaShow},
      {"criteria list", "Criteria sets on the server (latest versions)",
       DefineCriteriaList},
      {"criteria upload",
       "Validate and store a criteria set (an identical one is the stored version)",
       DefineCriteriaUpload},
      {"plan show", "Print a plan's targets, deadlines and tasks", DefinePlanShow},
      {"plan list", "Plans on the server", DefinePlanList},
      {"plan upload", "Validate and store a plan", DefinePlanUpload},
      {"unit list", "Units on the server", DefineUnitList},
      {"unit import", "Create or replace units from CSV: code,name,kind[,parent[,block]]",
       DefineUnitImport},
      {"login", "Sign in (the password is read without echo) and keep the session",
       DefineLogin},
      {"logout", "End the saved session on the server and delete it", DefineLogout},
      {"whoami", "Who the session or token is", DefineWhoAmI},
      {"passwd", "Change your password (needed after a one-time password)", DefinePasswd},
      {"round status", "Each unit's state in a round", DefineRoundStatus},
      {"round create", "Create a round (appraiser)", DefineRoundCreate},
      {"round open", "Open a round for self-assessment", DefineRoundOpen},
      {"round advance", "Move a round to its next phase", DefineRoundAdvance},
      {"round reopen", "Let one unit edit and submit again", DefineRoundReopen},
      {"submit", "Store a unit's figures from a figures file and submit the assessment",
       DefineSubmit},
      {"score", "A unit's score with the reason for every point", DefineScore},
      {"ranking", "The ranking of a round, per block", DefineRanking},
      {"history", "A unit's index, rank and area scores in every round it was scored",
       DefineHistory},
      {"appraise",
       "Appraise a unit: appraised values from a figures YAML, explanation requests, "
       "explanations read, finalise",
       DefineAppraise},
      {"explain", "A ward answers explanation requests", DefineExplain},
      {"survey", "Import survey results from CSV", DefineSurvey},
      {"records import",
       "Import dossier records (CSV or JSON Lines); computed figures follow",
       DefineRecordsImport},
      {"records why", "The dossier ids behind a figure computed from records",
       DefineRecordsWhy},
      {"records gaps", "Records that cannot be right, by unit", DefineRecordsGaps},
      {"tasks list", "A round's plan tasks with their status (overdue, done late)",
       DefineTasksList},
      {"tasks assign", "Assign a plan task to lead and coordinating units (office)",
       DefineTasksAssign},
      {"tasks progress", "A unit's progress on a task assigned to it (ward)",
       DefineTasksProgress},
      {"tasks report", "The quarterly progress report of a round's tasks",
       DefineTasksReport},
      {"audit", "The audit trail (every event, page after page)", DefineAudit},
      {"token create", "Issue a token; its secret is shown once", DefineTokenCreate},
      {"token revoke", "Revoke a token", DefineTokenRevoke},
      {"token list", "Tokens", DefineTokenList},
      {"export", "A round's results as XLSX, CSV or the printable report (HTML)",
       DefineExport},
      {"call", "Call any API method with a JSON request and print the JSON response",
       DefineCall},
  };
  return commands;
}

// The help of the words that group commands ("round").
const char* GroupHelp(const std::string& group) {
  static const std::map<std::string, const char*> help = {
      {"criteria", "Criteria sets as data"},
      {"plan", "Reform plans"},
      {"unit", "Units"},
      {"round", "Scoring rounds"},
      {"token", "API tokens (admin)"},
      {"records", "Dossier records and the figures computed from them"},
      {"tasks", "Plan tasks, their progress and the figures computed from them"}};
  auto it = help.find(group);
  return it == help.end() ? "" : it->second;
}

}  // namespace

int RunCommandLine(int argc, char** argv) {
  CLI::App app{"parindex: scores the administrative reform index (Chỉ số CCHC)"};
  app.require_subcommand(1);
  app.fallthrough();
  // Where the server is and who calls (client/connection.h): flags here, then the
  // environment, the config file and the saved session, resolved when a command runs.
  std::string server, token, ca, config;
  CLI::Option* server_flag = app.add_option(
      "--server", server, "host:port of parindex-server (PARINDEX_SERVER)");
  CLI::Option* token_flag =
      app.add_option("--token", token, "Bearer token or session (PARINDEX_TOKEN)");
  CLI::Option* ca_flag =
      app.add_option("--ca", ca, "PEM root certificate: use TLS (PARINDEX_CA)");
  CLI::Option* config_flag = app.add_option(
      "--config", config, "TOML file with server, token and ca (PARINDEX_CONFIG)");

  std::vector<std::pair<CLI::App*, Run>> runs;
  std::map<std::string, CLI::App*> groups;
  for (const Command& command : Commands()) {
    std::vector<std::string> words = absl::StrSplit(command.path, ' ');
    CLI::App* parent = &app;
    for (size_t i = 0; i + 1 < words.size(); ++i) {
      CLI::App*& group = groups[words[i]];
      if (group == nullptr) {
        group = parent->add_subcommand(words[i], GroupHelp(words[i]));
        group->require_subcommand(1);
      }
      parent = group;
    }
    CLI::App* cmd = parent->add_subcommand(words.back(), command.help);
    runs.emplace_back(cmd, command.define(cmd));
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  ConnectionFlags flags;
  if (server_flag->count() > 0) flags.server = server;
  if (token_flag->count() > 0) flags.token = token;
  if (ca_flag->count() > 0) flags.ca = ca;
  if (config_flag->count() > 0) flags.config = config;
  for (const auto& [cmd, run] : runs) {
    if (cmd->parsed()) return run(flags);
  }
  return 2;  // not reached: CLI11 requires a command
}

}  // namespace parindex::client
