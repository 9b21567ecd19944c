// Schema step 5's conversion: the figures that entries held, each criterion its own
// copy, become one data sheet per assessment (the `data_values` table).
#ifndef PARINDEX_SERVER_STORE_DATA_SHEET_UPGRADE_H_
#define PARINDEX_SERVER_STORE_DATA_SHEET_UPGRADE_H_

#include "absl/status/status.h"
#include "server/store/schema.h"
#include "server/store/sql.h"

namespace parindex::store {

// For every assessment and each side (self, appraised): the sheet's value of an element
// is the copy of the most recently updated entry (entries.updated_at; on a tie the
// smallest criterion code, byte order), stored as version 1 with that entry's time and
// author. A copy equal to its side's sheet value is removed from its entry; one that
// differs stays, as an override for that criterion only, so that it scores as before. An
// assessment whose copies differed gets one audit row (`upgrade.figure_conflict`, by
// `system`) and one line in upgrade->notes. Then every form's size is counted again
// (entries, file details and values).
// REQUIRES: inside the step's transaction, `data_values` created and empty.
absl::Status MoveFiguresToDataSheets(Conn* db, Upgrade* upgrade);

}  // namespace parindex::store

#endif  // PARINDEX_SERVER_STORE_DATA_SHEET_UPGRADE_H_
