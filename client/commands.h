// The commands of `parindex`, one table: each command has its own options and run
// function (client/commands.cc); adding a command is one entry there.
#ifndef PARINDEX_CLIENT_COMMANDS_H_
#define PARINDEX_CLIENT_COMMANDS_H_

namespace parindex::client {

// Parses the command line, runs the command and returns the exit status: 0 on success,
// 1 with one line on stderr ("parindex: CODE: message"), 2 for a wrong command line.
int RunCommandLine(int argc, char** argv);

}  // namespace parindex::client

#endif  // PARINDEX_CLIENT_COMMANDS_H_
