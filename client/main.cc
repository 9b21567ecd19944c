// parindex: the command line client (the commands are in client/commands.cc).
#include "client/commands.h"

int main(int argc, char** argv) { return parindex::client::RunCommandLine(argc, argv); }
