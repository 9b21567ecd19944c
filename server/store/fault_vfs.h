// A SQLite VFS that forwards to the default one but can be told to fail: the next
// sync (so a COMMIT fails) or the next write. For tests that prove a failed write is
// reported and leaves nothing partial. Open a store with vfs = kFaultVfsName.
#ifndef PARINDEX_SERVER_STORE_FAULT_VFS_H_
#define PARINDEX_SERVER_STORE_FAULT_VFS_H_

namespace parindex::store {

inline constexpr char kFaultVfsName[] = "parindex-fault";

// Registers the VFS (idempotent; not the default).
void RegisterFaultVfs();

// Arms a failure: the n-th next xSync (1 = the next) / xWrite on any file returns an
// I/O error. 0 disarms.
void FailSyncAfter(int n);
void FailWriteAfter(int n);

// How many failures were injected so far.
int InjectedFailures();

}  // namespace parindex::store

#endif  // PARINDEX_SERVER_STORE_FAULT_VFS_H_
