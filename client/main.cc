// parindex: the command line client. Offline today: `parindex eval` scores figures
// from YAML files with the same engine the server uses.
#include <iostream>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "client/call_command.h"
#include "client/criteria_commands.h"
#include "client/eval_command.h"
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
  CLI::App* eval_cmd =
      app.add_subcommand("eval", "Score figures offline against a criteria set and a plan");
  eval_cmd->add_option("--criteria", eval.criteria_path, "Criteria set YAML")
      ->required()
      ->check(CLI::ExistingFile);
  eval_cmd->add_option("--plan", eval.plan_path, "Reform plan YAML (targets, deadlines)")
      ->check(CLI::ExistingFile);
  eval_cmd->add_option("--figures", eval.figures_path, "Figures YAML: units and their entries")
      ->required()
      ->check(CLI::ExistingFile);
  eval_cmd->add_option("--column", column, "Which figures to score: self or appraised")
      ->check(CLI::IsMember({"self", "appraised"}));
  eval_cmd->add_option("--unit", eval.unit, "Print only this unit (ranks still use all)");
  eval_cmd->add_flag("--json", json, "Print JSON (protobuf's JSON mapping) instead of a table");

  CLI::App* criteria_cmd = app.add_subcommand("criteria", "Criteria sets as data");
  criteria_cmd->require_subcommand(1);
  std::vector<std::string> check_files;
  CLI::App* check_cmd = criteria_cmd->add_subcommand(
      "check", "Validate criteria sets, plans and figures (exit 0, or file:line:col errors)");
  check_cmd->add_option("files", check_files, "YAML files")->required()->check(CLI::ExistingFile);
  std::string show_set;
  CLI::App* show_set_cmd =
      criteria_cmd->add_subcommand("show", "Print a criteria set's tree with its maxima");
  show_set_cmd->add_option("file", show_set, "Criteria set YAML")->required()->check(CLI::ExistingFile);

  CLI::App* plan_cmd = app.add_subcommand("plan", "Reform plans");
  plan_cmd->require_subcommand(1);
  std::string show_plan;
  CLI::App* show_plan_cmd =
      plan_cmd->add_subcommand("show", "Print a plan's targets, deadlines and tasks");
  show_plan_cmd->add_option("file", show_plan, "Plan YAML")->required()->check(CLI::ExistingFile);

  parindex::client::CallOptions call;
  std::string call_method, call_json;
  CLI::App* call_cmd = app.add_subcommand(
      "call", "Call any API method with a JSON request and print the JSON response");
  call_cmd->add_option("method", call_method, "/parindex.v1.Service/Method")->required();
  call_cmd->add_option("request", call_json, "The request as JSON (protobuf's JSON mapping)");
  call_cmd->add_option("--server", call.server, "host:port")->envname("PARINDEX_SERVER");
  call_cmd->add_option("--token", call.token, "Bearer token")->envname("PARINDEX_TOKEN");
  call_cmd->add_option("--ca", call.ca, "PEM root certificate: use TLS")->envname("PARINDEX_CA");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }

  if (call_cmd->parsed()) {
    auto response = parindex::client::Call(call, call_method, call_json);
    if (!response.ok()) return Fail(response.status());
    std::cout << *response;
    return 0;
  }
  if (check_cmd->parsed()) {
    const parindex::client::CheckResult result = parindex::client::CheckFiles(check_files);
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
    auto evaluation = parindex::client::Evaluate(eval);
    if (!evaluation.ok()) return Fail(evaluation.status());
    if (json) {
      std::string out;
      google::protobuf::util::JsonPrintOptions options;
      options.add_whitespace = true;
      options.preserve_proto_field_names = true;
      auto status = google::protobuf::util::MessageToJsonString(*evaluation, &out, options);
      if (!status.ok()) {
        return Fail(absl::InternalError(std::string(status.message())));
      }
      std::cout << out;
    } else {
      std::cout << parindex::client::RenderEvaluation(*evaluation);
    }
  }
  return 0;
}
