// parindex: the command line client. Offline today: `parindex eval` scores figures
// from YAML files with the same engine the server uses.
#include <iostream>
#include <string>

#include "CLI/CLI.hpp"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
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

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
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
