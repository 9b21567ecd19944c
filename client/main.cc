// parindex: the command line client. Offline today: `parindex eval` scores figures
// from YAML files with the same engine the server uses.
#include <functional>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "client/admin_commands.h"
#include "client/call_command.h"
#include "client/criteria_commands.h"
#include "client/eval_command.h"
#include "client/history_command.h"
#include "client/round_commands.h"
#include "client/text_table.h"
#include "google/protobuf/util/json_util.h"

namespace {

int Fail(const absl::Status& status) {
  std::cerr << "parindex: " << absl::StatusCodeToString(status.code()) << ": "
            << status.message() << "\n";
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"parindex: scores the administrative reform index (Chỉ số CCHC)"};
  app.require_subcommand(1);

  parindex::client::EvalOptions eval;
  bool json = false;
  std::string column = "self";
  CLI::App* eval_cmd = app.add_subcommand(
      "eval", "Score figures offline against a criteria set and a plan");
  eval_cmd->add_option("--criteria", eval.criteria_path, "Criteria set YAML")
      ->required()
      ->check(CLI::ExistingFile);
  eval_cmd->add_option("--plan", eval.plan_path, "Reform plan YAML (targets, deadlines)")
      ->check(CLI::ExistingFile);
  eval_cmd
      ->add_option("--figures", eval.figures_path,
                   "Figures YAML: units and their entries")
      ->required()
      ->check(CLI::ExistingFile);
  eval_cmd->add_option("--column", column, "Which figures to score: self or appraised")
      ->check(CLI::IsMember({"self", "appraised"}));
  eval_cmd->add_option("--unit", eval.unit, "Print only this unit (ranks still use all)");
  eval_cmd->add_flag("--json", json,
                     "Print JSON (protobuf's JSON mapping) instead of a table");

  CLI::App* criteria_cmd = app.add_subcommand("criteria", "Criteria sets as data");
  criteria_cmd->require_subcommand(1);
  std::vector<std::string> check_files;
  CLI::App* check_cmd = criteria_cmd->add_subcommand(
      "check",
      "Validate criteria sets, plans and figures (exit 0, or file:line:col errors)");
  check_cmd->add_option("files", check_files, "YAML files")
      ->required()
      ->check(CLI::ExistingFile);
  std::string show_set;
  CLI::App* show_set_cmd =
      criteria_cmd->add_subcommand("show", "Print a criteria set's tree with its maxima");
  show_set_cmd->add_option("file", show_set, "Criteria set YAML")
      ->required()
      ->check(CLI::ExistingFile);

  CLI::App* plan_cmd = app.add_subcommand("plan", "Reform plans");
  plan_cmd->require_subcommand(1);
  std::string show_plan;
  CLI::App* show_plan_cmd =
      plan_cmd->add_subcommand("show", "Print a plan's targets, deadlines and tasks");
  show_plan_cmd->add_option("file", show_plan, "Plan YAML")
      ->required()
      ->check(CLI::ExistingFile);

  // Where the server is and who calls: flags, else PARINDEX_* variables, else the config
  // file (TOML: server = "…", token = "…", ca = "…").
  parindex::client::CallOptions call;
  app.fallthrough();
  app.set_config("--config", "", "TOML file with server, token and ca")
      ->envname("PARINDEX_CONFIG");
  app.add_option("--server", call.server, "host:port of parindex-server")
      ->envname("PARINDEX_SERVER");
  app.add_option("--token", call.token, "Bearer token")->envname("PARINDEX_TOKEN");
  app.add_option("--ca", call.ca, "PEM root certificate: use TLS")
      ->envname("PARINDEX_CA");

  std::string call_method, call_json;
  CLI::App* call_cmd = app.add_subcommand(
      "call", "Call any API method with a JSON request and print the JSON response");
  call_cmd->add_option("method", call_method, "/parindex.v1.Service/Method")->required();
  call_cmd->add_option("request", call_json,
                       "The request as JSON (protobuf's JSON mapping)");

  std::string round_id, unit_code, score_column = "appraised", block, format = "xlsx",
                                   table, out_path;
  bool as_json = false;
  CLI::App* round_cmd = app.add_subcommand("round", "Scoring rounds");
  round_cmd->require_subcommand(1);
  CLI::App* status_cmd =
      round_cmd->add_subcommand("status", "Each unit's state in a round");
  status_cmd->add_option("round", round_id, "Round id")->required();
  status_cmd->add_flag("--json", as_json, "Print JSON");

  parindex::client::SubmitOptions submit;
  std::vector<std::string> evidence;
  CLI::App* submit_cmd = app.add_subcommand(
      "submit", "Store a unit's figures from a figures YAML and submit the assessment");
  submit_cmd->add_option("round", submit.round, "Round id")->required();
  submit_cmd->add_option("unit", submit.unit, "Unit code")->required();
  submit_cmd
      ->add_option("--figures", submit.figures,
                   "Figures YAML, or CSV (criterion,field,value)")
      ->required()
      ->check(CLI::ExistingFile);
  submit_cmd->add_option("--evidence", evidence, "CRITERION=FILE to attach (repeatable)");
  submit_cmd->add_flag("--dry-run", submit.dry_run,
                       "Validate and preview the score; store nothing");
  submit_cmd->add_flag("--no-submit", submit.no_submit,
                       "Store the figures but do not submit yet");
  submit_cmd->add_flag("--json", submit.json, "Print JSON (with --dry-run)");

  CLI::App* score_cmd =
      app.add_subcommand("score", "A unit's score with the reason for every point");
  score_cmd->add_option("round", round_id, "Round id")->required();
  score_cmd->add_option("unit", unit_code, "Unit code")->required();
  score_cmd->add_option("--column", score_column, "self or appraised")
      ->check(CLI::IsMember({"self", "appraised"}));
  score_cmd->add_flag("--json", as_json, "Print JSON");

  CLI::App* ranking_cmd =
      app.add_subcommand("ranking", "The ranking of a round, per block");
  ranking_cmd->add_option("round", round_id, "Round id")->required();
  ranking_cmd->add_option("--block", block, "Only this block");
  ranking_cmd->add_flag("--json", as_json, "Print JSON");

  // Commands that change or list what the server holds. Each sets `server_command`, run
  // after parsing with an Api.
  std::function<absl::StatusOr<std::string>(parindex::client::Api&)> server_command;
  std::string path, filter, role, label, reason, phase;
  std::vector<std::string> pairs;
  bool flag_a = false, flag_b = false;
  auto pairs_map = [&]() {
    std::map<std::string, std::string> m;
    for (const std::string& p : pairs) {
      const size_t eq = p.find('=');
      if (eq != std::string::npos) m[p.substr(0, eq)] = p.substr(eq + 1);
    }
    return m;
  };
  namespace pc = parindex::client;
  pc::AddHistoryCommand(app, &server_command);
  criteria_cmd->add_subcommand("list", "Criteria sets on the server (latest versions)")
      ->callback([&] {
        server_command = [&](pc::Api& api) { return pc::ListCriteriaSets(api, as_json); };
      })
      ->add_flag("--json", as_json, "Print JSON");
  criteria_cmd
      ->add_subcommand("upload", "Validate and store the next version of a criteria set")
      ->callback([&] {
        server_command = [&](pc::Api& api) { return pc::UploadCriteriaSet(api, path); };
      })
      ->add_option("file", path, "Criteria set YAML")
      ->required()
      ->check(CLI::ExistingFile);
  plan_cmd->add_subcommand("list", "Plans on the server")
      ->callback([&] {
        server_command = [&](pc::Api& api) { return pc::ListPlans(api, as_json); };
      })
      ->add_flag("--json", as_json, "Print JSON");
  plan_cmd->add_subcommand("upload", "Validate and store a plan")
      ->callback([&] {
        server_command = [&](pc::Api& api) { return pc::UploadPlan(api, path); };
      })
      ->add_option("file", path, "Plan YAML")
      ->required()
      ->check(CLI::ExistingFile);
  CLI::App* unit_cmd = app.add_subcommand("unit", "Units");
  unit_cmd->require_subcommand(1);
  CLI::App* unit_list =
      unit_cmd->add_subcommand("list", "Units on the server")->callback([&] {
        server_command = [&](pc::Api& api) {
          return pc::ListUnits(api, filter, as_json);
        };
      });
  unit_list->add_option("--filter", filter, "kind=ward, parent=HYC or block=wards");
  unit_list->add_flag("--json", as_json, "Print JSON");
  unit_cmd
      ->add_subcommand(
          "import", "Create or replace units from CSV: code,name,kind[,parent[,block]]")
      ->callback([&] {
        server_command = [&](pc::Api& api) { return pc::ImportUnits(api, path); };
      })
      ->add_option("file", path, "CSV file")
      ->required()
      ->check(CLI::ExistingFile);

  pc::RoundSpec spec;
  CLI::App* create_cmd =
      round_cmd->add_subcommand("create", "Create a round (appraiser)")->callback([&] {
        server_command = [&](pc::Api& api) { return pc::CreateRound(api, spec); };
      });
  create_cmd->add_option("id", spec.id, "Round id")->required();
  create_cmd->add_option("--set", spec.criteria_set, "Criteria set id")->required();
  create_cmd->add_option("--set-version", spec.version,
                         "Version to pin (default: the latest)");
  create_cmd->add_option("--plan", spec.plans, "Plan id (repeatable)");
  create_cmd->add_option("--unit", spec.units, "Unit code (repeatable)")->required();
  create_cmd->add_option("--title", spec.title, "Title");
  create_cmd->add_option("--year", spec.year, "Year");
  create_cmd->add_option("--deadline", spec.deadline,
                         "Self-assessment deadline, RFC 3339 (+07:00)");
  create_cmd->add_option("--explanation-deadline", spec.explanation_deadline,
                         "Explanation deadline");
  round_cmd->add_subcommand("open", "Open a round for self-assessment")
      ->callback([&] {
        server_command = [&](pc::Api& api) {
          return pc::AdvanceRound(api, round_id, "SELF_ASSESSMENT");
        };
      })
      ->add_option("round", round_id, "Round id")
      ->required();
  CLI::App* advance_cmd =
      round_cmd->add_subcommand("advance", "Move a round to its next phase")
          ->callback([&] {
            server_command = [&](pc::Api& api) {
              return pc::AdvanceRound(api, round_id, phase);
            };
          });
  advance_cmd->add_option("round", round_id, "Round id")->required();
  advance_cmd
      ->add_option("phase", phase,
                   "APPRAISAL, EXPLANATION, FINAL_APPRAISAL, FINALISED, PUBLISHED")
      ->required();
  CLI::App* reopen_cmd =
      round_cmd->add_subcommand("reopen", "Let one unit edit and submit again")
          ->callback([&] {
            server_command = [&](pc::Api& api) {
              return pc::ReopenUnit(api, round_id, unit_code, reason);
            };
          });
  reopen_cmd->add_option("round", round_id, "Round id")->required();
  reopen_cmd->add_option("unit", unit_code, "Unit code")->required();
  reopen_cmd->add_option("--reason", reason, "Why (kept in the audit trail)")->required();

  CLI::App* appraise_cmd =
      app.add_subcommand("appraise",
                         "Appraise a unit: appraised values from a figures YAML, "
                         "explanation requests, finalise")
          ->callback([&] {
            server_command = [&](pc::Api& api) {
              return pc::Appraise(api, round_id, unit_code, path, pairs_map(), flag_a,
                                  reason, flag_b);
            };
          });
  appraise_cmd->add_option("round", round_id, "Round id")->required();
  appraise_cmd->add_option("unit", unit_code, "Unit code")->required();
  appraise_cmd->add_option("--figures", path, "Figures YAML with appraised: values")
      ->check(CLI::ExistingFile);
  appraise_cmd->add_option("--ask", pairs,
                           "CRITERION=MESSAGE: request an explanation (repeatable)");
  appraise_cmd->add_flag("--correction", flag_a,
                         "A correction after finalisation (needs --reason)");
  appraise_cmd->add_option("--reason", reason, "Why");
  appraise_cmd->add_flag("--finalise", flag_b, "Finalise the unit afterwards");
  CLI::App* explain_cmd =
      app.add_subcommand("explain", "A ward answers explanation requests")->callback([&] {
        server_command = [&](pc::Api& api) {
          return pc::Explain(api, round_id, unit_code, pairs_map(), flag_a);
        };
      });
  explain_cmd->add_option("round", round_id, "Round id")->required();
  explain_cmd->add_option("unit", unit_code, "Unit code")->required();
  explain_cmd->add_option("--text", pairs, "CRITERION=EXPLANATION (repeatable)");
  explain_cmd->add_flag("--submit", flag_a, "The explanations are complete");
  CLI::App* survey_cmd =
      app.add_subcommand("survey", "Import survey results from CSV")->callback([&] {
        server_command = [&](pc::Api& api) {
          return pc::ImportSurvey(api, round_id, path);
        };
      });
  survey_cmd->add_option("round", round_id, "Round id")->required();
  survey_cmd->add_option("file", path, "unit,criterion,a,b,c,d or unit,criterion,percent")
      ->required()
      ->check(CLI::ExistingFile);
  CLI::App* audit_cmd = app.add_subcommand("audit", "The audit trail")->callback([&] {
    server_command = [&](pc::Api& api) { return pc::ListAudit(api, filter, as_json); };
  });
  audit_cmd->add_option("--filter", filter,
                        "resource=… and/or actor=…, joined by ' AND '");
  audit_cmd->add_flag("--json", as_json, "Print JSON");
  CLI::App* token_cmd = app.add_subcommand("token", "API tokens (admin)");
  token_cmd->require_subcommand(1);
  CLI::App* token_create =
      token_cmd->add_subcommand("create", "Issue a token; its secret is shown once")
          ->callback([&] {
            server_command = [&](pc::Api& api) {
              return pc::CreateToken(api, role, unit_code, label, as_json);
            };
          });
  token_create->add_option("--role", role, "ward, appraiser, admin or reader")
      ->required();
  token_create->add_option("--unit", unit_code, "For a ward token: its unit");
  token_create->add_option("--label", label, "Who holds it");
  token_create->add_flag("--json", as_json, "Print JSON");
  token_cmd->add_subcommand("revoke", "Revoke a token")
      ->callback([&] {
        server_command = [&](pc::Api& api) { return pc::RevokeToken(api, path); };
      })
      ->add_option("id", path, "Token id (tok_…)")
      ->required();
  token_cmd->add_subcommand("list", "Tokens")
      ->callback([&] {
        server_command = [&](pc::Api& api) { return pc::ListTokens(api, as_json); };
      })
      ->add_flag("--json", as_json, "Print JSON");

  CLI::App* export_cmd = app.add_subcommand("export", "A round's results as XLSX or CSV");
  export_cmd->add_option("round", round_id, "Round id")->required();
  export_cmd->add_option("--format", format, "xlsx or csv")
      ->check(CLI::IsMember({"xlsx", "csv"}));
  export_cmd->add_option("--table", table,
                         "CSV: ranking, matrix, criteria, datasheet or audit");
  export_cmd->add_option("--out", out_path,
                         "File to write (default: the server's file name)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }

  if (server_command) {
    parindex::client::Api api(call);
    absl::StatusOr<std::string> result = server_command(api);
    if (!result.ok()) return Fail(result.status());
    std::cout << *result;
    return 0;
  }
  if (status_cmd->parsed() || submit_cmd->parsed() || score_cmd->parsed() ||
      ranking_cmd->parsed() || export_cmd->parsed()) {
    parindex::client::Api api(call);
    absl::StatusOr<std::string> result;
    if (status_cmd->parsed()) {
      result = parindex::client::RoundStatus(api, round_id, as_json);
    } else if (submit_cmd->parsed()) {
      for (const std::string& e : evidence) {
        const size_t eq = e.find('=');
        if (eq == std::string::npos)
          return Fail(absl::InvalidArgumentError("--evidence: give CRITERION=FILE"));
        submit.evidence[e.substr(0, eq)] = e.substr(eq + 1);
      }
      result = parindex::client::Submit(api, submit);
    } else if (score_cmd->parsed()) {
      result =
          parindex::client::UnitScore(api, round_id, unit_code, score_column, as_json);
    } else if (ranking_cmd->parsed()) {
      result = parindex::client::Ranking(api, round_id, block, as_json);
    } else {
      result = parindex::client::Export(api, round_id, format, table, out_path);
    }
    if (!result.ok()) return Fail(result.status());
    std::cout << *result;
    return 0;
  }
  if (call_cmd->parsed()) {
    auto response = parindex::client::Call(call, call_method, call_json);
    if (!response.ok()) return Fail(response.status());
    std::cout << *response;
    return 0;
  }
  if (check_cmd->parsed()) {
    const parindex::client::CheckResult result =
        parindex::client::CheckFiles(check_files);
    std::cout << result.report;
    std::cerr << result.errors;
    return result.ok() ? 0 : 1;
  }
  if (show_set_cmd->parsed() || show_plan_cmd->parsed()) {
    auto text = show_set_cmd->parsed() ? parindex::client::ShowCriteriaSet(show_set)
                                       : parindex::client::ShowPlan(show_plan);
    if (!text.ok()) return Fail(text.status());
    std::cout << *text;
    return 0;
  }
  if (eval_cmd->parsed()) {
    eval.column = column == "appraised" ? parindex::v1::APPRAISED : parindex::v1::SELF;
    parindex::client::BlockSizes block_sizes;
    auto evaluation = parindex::client::Evaluate(eval, &block_sizes);
    if (!evaluation.ok()) return Fail(evaluation.status());
    if (json) {
      std::string out;
      google::protobuf::util::JsonPrintOptions options;
      options.add_whitespace = true;
      options.preserve_proto_field_names = true;
      auto status =
          google::protobuf::util::MessageToJsonString(*evaluation, &out, options);
      if (!status.ok()) {
        return Fail(absl::InternalError(std::string(status.message())));
      }
      std::cout << out;
    } else {
      std::cout << parindex::client::RenderEvaluation(*evaluation, block_sizes);
    }
  }
  return 0;
}
