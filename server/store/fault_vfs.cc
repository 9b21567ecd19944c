// The fault-injecting VFS: every method forwards to the default VFS.
#include "server/store/fault_vfs.h"

#include <sqlite3.h>

#include <atomic>
#include <cstring>
#include <mutex>

namespace parindex::store {
namespace {

std::atomic<int> sync_countdown{0};
std::atomic<int> write_countdown{0};
std::atomic<int> injected{0};

sqlite3_vfs* Real() { return sqlite3_vfs_find(nullptr); }

struct FaultFile {
  sqlite3_file base;
  sqlite3_file* real;  // points just after this struct
};

sqlite3_file* RealFile(sqlite3_file* f) { return reinterpret_cast<FaultFile*>(f)->real; }

// True when an armed countdown reaches zero now.
bool Trip(std::atomic<int>& countdown) {
  int n = countdown.load();
  while (n > 0) {
    if (countdown.compare_exchange_weak(n, n - 1)) {
      if (n == 1) {
        ++injected;
        return true;
      }
      return false;
    }
  }
  return false;
}

int Close(sqlite3_file* f) { return RealFile(f)->pMethods->xClose(RealFile(f)); }
int Read(sqlite3_file* f, void* buf, int n, sqlite3_int64 off) {
  return RealFile(f)->pMethods->xRead(RealFile(f), buf, n, off);
}
int Write(sqlite3_file* f, const void* buf, int n, sqlite3_int64 off) {
  if (Trip(write_countdown)) return SQLITE_IOERR_WRITE;
  return RealFile(f)->pMethods->xWrite(RealFile(f), buf, n, off);
}
int Truncate(sqlite3_file* f, sqlite3_int64 size) {
  return RealFile(f)->pMethods->xTruncate(RealFile(f), size);
}
int Sync(sqlite3_file* f, int flags) {
  if (Trip(sync_countdown)) return SQLITE_IOERR_FSYNC;
  return RealFile(f)->pMethods->xSync(RealFile(f), flags);
}
int FileSize(sqlite3_file* f, sqlite3_int64* size) {
  return RealFile(f)->pMethods->xFileSize(RealFile(f), size);
}
int Lock(sqlite3_file* f, int level) {
  return RealFile(f)->pMethods->xLock(RealFile(f), level);
}
int Unlock(sqlite3_file* f, int level) {
  return RealFile(f)->pMethods->xUnlock(RealFile(f), level);
}
int CheckReservedLock(sqlite3_file* f, int* out) {
  return RealFile(f)->pMethods->xCheckReservedLock(RealFile(f), out);
}
int FileControl(sqlite3_file* f, int op, void* arg) {
  return RealFile(f)->pMethods->xFileControl(RealFile(f), op, arg);
}
int SectorSize(sqlite3_file* f) {
  return RealFile(f)->pMethods->xSectorSize(RealFile(f));
}
int DeviceCharacteristics(sqlite3_file* f) {
  return RealFile(f)->pMethods->xDeviceCharacteristics(RealFile(f));
}
int ShmMap(sqlite3_file* f, int page, int size, int extend, void volatile** out) {
  return RealFile(f)->pMethods->xShmMap(RealFile(f), page, size, extend, out);
}
int ShmLock(sqlite3_file* f, int offset, int n, int flags) {
  return RealFile(f)->pMethods->xShmLock(RealFile(f), offset, n, flags);
}
void ShmBarrier(sqlite3_file* f) { RealFile(f)->pMethods->xShmBarrier(RealFile(f)); }
int ShmUnmap(sqlite3_file* f, int del) {
  return RealFile(f)->pMethods->xShmUnmap(RealFile(f), del);
}
int Fetch(sqlite3_file* f, sqlite3_int64 off, int n, void** out) {
  return RealFile(f)->pMethods->xFetch(RealFile(f), off, n, out);
}
int Unfetch(sqlite3_file* f, sqlite3_int64 off, void* p) {
  return RealFile(f)->pMethods->xUnfetch(RealFile(f), off, p);
}

const sqlite3_io_methods kMethods = {
    3,
    Close,
    Read,
    Write,
    Truncate,
    Sync,
    FileSize,
    Lock,
    Unlock,
    CheckReservedLock,
    FileControl,
    SectorSize,
    DeviceCharacteristics,
    ShmMap,
    ShmLock,
    ShmBarrier,
    ShmUnmap,
    Fetch,
    Unfetch,
};

int Open(sqlite3_vfs*, const char* name, sqlite3_file* file, int flags, int* out_flags) {
  FaultFile* f = reinterpret_cast<FaultFile*>(file);
  f->real = reinterpret_cast<sqlite3_file*>(f + 1);
  const int rc = Real()->xOpen(Real(), name, f->real, flags, out_flags);
  // SQLite calls xClose only when pMethods is set; leave it null on failure.
  f->base.pMethods =
      rc == SQLITE_OK && f->real->pMethods != nullptr ? &kMethods : nullptr;
  return rc;
}
int Delete(sqlite3_vfs*, const char* name, int sync) {
  return Real()->xDelete(Real(), name, sync);
}
int Access(sqlite3_vfs*, const char* name, int flags, int* out) {
  return Real()->xAccess(Real(), name, flags, out);
}
int FullPathname(sqlite3_vfs*, const char* name, int n, char* out) {
  return Real()->xFullPathname(Real(), name, n, out);
}
void* DlOpen(sqlite3_vfs*, const char* name) { return Real()->xDlOpen(Real(), name); }
void DlError(sqlite3_vfs*, int n, char* out) { Real()->xDlError(Real(), n, out); }
void (*DlSym(sqlite3_vfs*, void* handle, const char* symbol))(void) {
  return Real()->xDlSym(Real(), handle, symbol);
}
void DlClose(sqlite3_vfs*, void* handle) { Real()->xDlClose(Real(), handle); }
int Randomness(sqlite3_vfs*, int n, char* out) {
  return Real()->xRandomness(Real(), n, out);
}
int Sleep(sqlite3_vfs*, int micros) { return Real()->xSleep(Real(), micros); }
int CurrentTime(sqlite3_vfs*, double* out) { return Real()->xCurrentTime(Real(), out); }
int GetLastError(sqlite3_vfs*, int n, char* out) {
  return Real()->xGetLastError(Real(), n, out);
}
int CurrentTimeInt64(sqlite3_vfs*, sqlite3_int64* out) {
  return Real()->xCurrentTimeInt64(Real(), out);
}

}  // namespace

void RegisterFaultVfs() {
  static std::once_flag once;
  std::call_once(once, [] {
    static sqlite3_vfs vfs;
    std::memset(&vfs, 0, sizeof(vfs));
    vfs.iVersion = 2;
    vfs.szOsFile = static_cast<int>(sizeof(FaultFile)) + Real()->szOsFile;
    vfs.mxPathname = Real()->mxPathname;
    vfs.zName = kFaultVfsName;
    vfs.xOpen = Open;
    vfs.xDelete = Delete;
    vfs.xAccess = Access;
    vfs.xFullPathname = FullPathname;
    vfs.xDlOpen = DlOpen;
    vfs.xDlError = DlError;
    vfs.xDlSym = DlSym;
    vfs.xDlClose = DlClose;
    vfs.xRandomness = Randomness;
    vfs.xSleep = Sleep;
    vfs.xCurrentTime = CurrentTime;
    vfs.xGetLastError = GetLastError;
    vfs.xCurrentTimeInt64 = CurrentTimeInt64;
    sqlite3_vfs_register(&vfs, /*makeDflt=*/0);
  });
}

void FailSyncAfter(int n) { sync_countdown = n; }
void FailWriteAfter(int n) { write_countdown = n; }
int InjectedFailures() { return injected.load(); }

}  // namespace parindex::store
