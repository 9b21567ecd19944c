// Every word the page shows, in Vietnamese, in one table: the page's own text (static
// text in index.html names its key in data-m), the names of phases, states and roles,
// and what a refusal means for the person reading it. msg(key, {name: value}) fills
// "{name}" places; showError puts the server's own words (English, naming the field)
// in a secondary line under the Vietnamese one, never in place of it.
// Loaded first: app.js, assess.js and queue.js read it.
'use strict';

const MESSAGES = {
  // ---- the page's frame ----
  'app.title': 'Chỉ số cải cách hành chính',
  'app.pageTitle': 'Chỉ số cải cách hành chính — parindex',
  'nav.label': 'Chức năng',
  'nav.round': 'Kỳ đánh giá',
  'nav.form': 'Tự đánh giá',
  'nav.board': 'Theo dõi, thẩm định',
  'nav.tasks': 'Nhiệm vụ kế hoạch',
  'nav.results': 'Kết quả',
  'nav.signout': 'Đăng xuất',
  'role.ROLE_WARD': 'Đơn vị',
  'role.ROLE_APPRAISER': 'Phòng Nội vụ (thẩm định)',
  'role.ROLE_ADMIN': 'Quản trị',
  'role.ROLE_READER': 'Tra cứu kết quả',
  'role.other': 'Người dùng',

  // ---- signing in ----
  'signin.title': 'Đăng nhập',
  'signin.username': 'Tên đăng nhập',
  'signin.password': 'Mật khẩu',
  'signin.button': 'Đăng nhập',
  'signin.refused': 'Sai tên đăng nhập hoặc mật khẩu, hoặc đã nhập sai quá nhiều lần: ' +
      'hãy đợi 15 phút rồi thử lại.',
  'signin.signedOut': 'Đã đăng xuất.',
  'signin.sessionEnded': 'Phiên đăng nhập đã hết hạn hoặc đã kết thúc: hãy đăng nhập lại.',
  'token.use': 'Dùng mã truy cập (token) thay cho tài khoản',
  'token.label': 'Mã truy cập (token)',
  'token.button': 'Đăng nhập bằng mã',
  'password.title': 'Đổi mật khẩu',
  'password.intro': 'Đây là lần đăng nhập đầu tiên (hoặc mật khẩu vừa được cấp lại): hãy ' +
      'đặt mật khẩu mới, ít nhất 10 ký tự, khác tên đăng nhập.',
  'password.old': 'Mật khẩu hiện tại (mật khẩu một lần)',
  'password.new': 'Mật khẩu mới',
  'password.again': 'Nhập lại mật khẩu mới',
  'password.button': 'Đổi mật khẩu',
  'password.mismatch': 'Hai lần nhập mật khẩu mới không giống nhau.',
  'password.tooShort': 'Mật khẩu mới phải có ít nhất 10 ký tự, không tính dấu cách và ký ' +
      'tự vô hình.',
  'password.control': 'Mật khẩu mới có ký tự điều khiển, không gõ được khi đăng nhập: hãy ' +
      'chọn mật khẩu khác.',
  'password.isUsername': 'Mật khẩu mới không được trùng tên đăng nhập.',
  'password.same': 'Mật khẩu mới phải khác mật khẩu hiện tại.',
  'password.wrongOld': 'Mật khẩu hiện tại không đúng.',

  // ---- refusals, by the server's code; the server's words go under them ----
  'error.UNAUTHENTICATED': 'Mã truy cập không đúng hoặc đã bị thu hồi.',
  'error.PERMISSION_DENIED': 'Không được phép làm việc này.',
  'error.ABORTED': 'Dữ liệu vừa được người khác thay đổi: hãy tải lại rồi làm lại.',
  'error.FAILED_PRECONDITION': 'Chưa thể làm việc này ở giai đoạn, trạng thái hiện tại.',
  'error.UNAVAILABLE': 'Máy chủ tạm thời không phản hồi: hãy thử lại sau ít phút.',
  'error.INVALID_ARGUMENT': 'Dữ liệu gửi lên chưa hợp lệ.',
  'error.NOT_FOUND': 'Không tìm thấy dữ liệu được yêu cầu.',
  'error.ALREADY_EXISTS': 'Dữ liệu này đã có.',
  'error.RESOURCE_EXHAUSTED': 'Vượt quá giới hạn cho phép: hãy thử lại sau hoặc gửi ít hơn.',
  'error.other': 'Máy chủ không thực hiện được yêu cầu.',
  'error.network': 'Không kết nối được máy chủ.',
  'error.serverWords': 'Chi tiết từ máy chủ: {words}',

  // ---- names of phases, states, blocks ----
  'phase.PHASE_DRAFT': 'Chuẩn bị',
  'phase.PHASE_SELF_ASSESSMENT': 'Tự đánh giá',
  'phase.PHASE_APPRAISAL': 'Thẩm định',
  'phase.PHASE_EXPLANATION': 'Giải trình',
  'phase.PHASE_FINAL_APPRAISAL': 'Thẩm định lại',
  'phase.PHASE_FINALISED': 'Đã chốt điểm',
  'phase.PHASE_PUBLISHED': 'Đã công bố',
  'phase.other': 'Không rõ giai đoạn',
  'state.STATE_NOT_STARTED': 'Chưa nhập',
  'state.STATE_DRAFT': 'Đang nhập',
  'state.STATE_SUBMITTED': 'Đã nộp',
  'state.STATE_APPRAISED': 'Đã thẩm định',
  'state.STATE_EXPLANATION_REQUESTED': 'Được yêu cầu giải trình',
  'state.STATE_EXPLAINED': 'Đã giải trình',
  'state.STATE_FINAL': 'Hoàn thành',
  'state.other': 'Không rõ trạng thái',
  'block.ward': 'Khối phường', 'block.wards': 'Khối phường',
  'block.commune': 'Khối xã', 'block.communes': 'Khối xã',
  'block.township': 'Khối thị trấn', 'block.townships': 'Khối thị trấn',
  'block.special_zone': 'Khối đặc khu', 'block.special_zones': 'Khối đặc khu',
  'block.department': 'Khối cơ quan chuyên môn', 'block.departments': 'Khối cơ quan chuyên môn',
  'block.other': 'Khối khác',

  // ---- numbers and times ----
  'time.dateTime': '{date} {time}',
  'time.none': 'Không đặt',
  'time.passed': '{time} (đã hết hạn)',
  'time.closedByPhase': '{time} (đã kết thúc giai đoạn tự đánh giá)',
  'number.percent': '{n}\u00a0%',
  'number.points': '{n} điểm',
  'number.ofMax': '{n} / {max}',
  'number.total': '{index} ({points} / {max} điểm)',
  'bytes.B': '{n} B', 'bytes.KB': '{n} KB', 'bytes.MB': '{n} MB',
  'upload.empty': 'Tệp {file} không có nội dung (0 byte): hãy chọn đúng tệp.',
  'upload.tooLarge': 'Tệp {file} ({size}) lớn hơn dung lượng tối đa máy chủ nhận cho một ' +
      'tệp ({max}): hãy nén hoặc chia nhỏ tệp rồi tải lên lại.',

  // ---- results ----
  'results.title': 'Kết quả xếp hạng',
  'results.column': 'Cột điểm',
  'results.appraised': 'Điểm thẩm định',
  'results.self': 'Điểm tự đánh giá',
  'results.download': 'Tải XLSX',
  'results.print': 'In báo cáo',
  'results.rank': 'Hạng', 'results.code': 'Mã', 'results.unit': 'Đơn vị',
  'results.index': 'Chỉ số', 'results.class': 'Xếp loại', 'results.bar': 'Biểu đồ',
  'results.area': 'Lĩnh vực', 'results.points': 'Điểm đạt', 'results.max': 'Điểm tối đa',
  'results.share': 'Tỷ lệ',
  'results.openUnit': 'Xem điểm theo lĩnh vực',
  'results.unitTitle': '{unit}: {index} điểm chỉ số',
  'round.noneListed': 'Chưa có kỳ đánh giá',
  'results.noRound': 'Chưa có kỳ đánh giá nào được công bố hoặc mở cho tài khoản này.',

  // ---- the ward's form ----
  'form.title': 'Tự đánh giá – {unit}',
  'form.phase': 'Giai đoạn',
  'form.state': 'Trạng thái',
  'form.deadline': 'Hạn tự đánh giá',
  'form.explanationDeadline': 'Hạn giải trình',
  'form.total': 'Điểm tạm tính',
  'form.intro': 'Mỗi số liệu chỉ nhập một lần, ở mục đầu tiên dùng đến nó; các tiêu chí ' +
      'khác dùng chung số liệu đó. Điểm được tính lại ngay khi nhập; bản nháp được giữ ' +
      'trên máy này cho đến khi bấm «Lưu» hoặc «Nộp tự đánh giá».',
  'form.save': 'Lưu',
  'form.submit': 'Nộp tự đánh giá',
  'form.submitExplanation': 'Gửi giải trình',
  'form.print': 'In báo cáo tự đánh giá',
  'form.saved': 'Đã lưu {what}',
  'form.nothingToSave': 'Không có thay đổi cần lưu',
  'form.savedValues': '{n} số liệu',
  'form.savedEntries': '{n} tiêu chí',
  'form.submitted': 'Đã nộp tự đánh giá',
  'form.explained': 'Đã gửi giải trình',
  'form.uploaded': 'Đã tải lên {file} cho tiêu chí {code}',
  'form.cannotSave': 'Chưa lưu được: {n} ô còn lỗi, xem dòng báo lỗi màu đỏ ngay dưới ô đó.',
  'form.draftRestored': 'Đã khôi phục {n} ô đã nhập nhưng chưa lưu (bản nháp trên máy này). ' +
      'Bấm «Lưu» để lưu lên hệ thống.',
  'form.leaveWarning': 'Có số liệu đã nhập nhưng chưa lưu. Rời trang?',
  'form.leaveUnsaved': 'Có số liệu đã nhập nhưng chưa lưu (bản nháp vẫn được giữ trên máy ' +
      'này). Rời biểu mẫu?',
  'form.progress': 'Đã nhập {filled}/{total}',
  'form.progressAll': 'Đã nhập {filled}/{total} ô; điểm tạm tính {total_points}',
  'form.areaPoints': 'Điểm: {points} / {max}',
  'form.areaHeading': '{code}. {title} ({max} điểm)',
  'form.groupHeading': '{code} {title} ({max} điểm)',
  'form.criterionHeading': '{title} ({max} điểm)',
  'form.otherElements': 'Số liệu khác',
  'form.inputs': 'Số liệu',
  'form.result': 'Kết quả',
  'form.target': 'Chỉ tiêu, mức áp dụng',
  'form.points': 'Điểm',
  'form.evidence': 'Tài liệu kiểm chứng',
  'form.evidenceRequired': 'Tài liệu cần có',
  'form.evidenceHas': 'đã có',
  'form.evidenceMissing': 'chưa có',
  'form.evidenceUntyped': 'có tệp {file} chưa ghi loại giấy tờ, cần xem lại',
  'form.upload': 'Tải tài liệu kiểm chứng cho tiêu chí {code}',
  'form.commentLabel': 'Ghi chú của đơn vị, tiêu chí {code}',
  'form.commentPlaceholder': 'Ghi chú (nếu có)',
  'form.request': 'Yêu cầu giải trình: {text}',
  'form.explanation': 'Giải trình của đơn vị, tiêu chí {code}',
  'form.explanationPlaceholder': 'Nội dung giải trình',
  'form.requestedFirst': 'Các tiêu chí được yêu cầu giải trình',
  'form.askSlot': 'Yêu cầu giải trình và nội dung trả lời',
  'form.requestedIntro': 'Phòng Nội vụ đề nghị giải trình {n} tiêu chí dưới đây. Nhập nội ' +
      'dung giải trình, tải thêm tài liệu nếu cần, rồi bấm «Gửi giải trình».',
  'form.yourValue': 'Đơn vị tự đánh giá',
  'form.appraisedValue': 'Phòng Nội vụ thẩm định',
  'form.appraisalComment': 'Nhận xét thẩm định: {text}',
  'form.periodOf': 'Kỳ số liệu: {period}',
  'form.sharedAt': '(đã nhập ở mục {code})',
  'form.copies': 'Tiêu chí này còn dùng số liệu riêng nhập trước đây: {list}. Nhập lại ' +
      'số liệu ở trên để dùng chung cho mọi tiêu chí.',
  'form.notIssued': 'Chưa ban hành',
  'form.notEntered': 'Chưa nhập',
  'form.notScored': 'Chưa chấm',
  'form.noSurvey': 'Chưa có kết quả khảo sát',
  'form.survey': 'A {a}, B {b}, C {c}, D {d}',
  'form.surveyNote': '{value} (Phòng Nội vụ nhập từ khảo sát)',
  'form.issuedOn': 'Ban hành ngày {date}',
  'form.yes': 'Có',
  'form.no': 'Không',
  'form.choose': '— Chọn —',
  'form.done': 'Đã thực hiện',
  'form.issued': 'Ngày ban hành',
  'form.score': 'Điểm chấm (0 – {max})',
  'form.status.NOT_APPLICABLE': 'Không áp dụng: {points}',
  'form.askOnlyExplanation': 'Trong giai đoạn giải trình, số liệu và điểm tự chấm của tiêu chí này giữ như đã nộp nên không sửa được: hãy trả lời ở ô giải trình trên và đính kèm tài liệu bổ sung (nếu có).',
  'form.na': 'Không áp dụng vì {why}: {then}',
  'form.na.zero': '{what} bằng 0',
  'form.na.noSurvey': 'chưa có kết quả khảo sát',
  'form.na.noDeadline': 'Kế hoạch CCHC không đặt thời hạn cho việc này',
  'form.na.noTarget': 'Kế hoạch CCHC không đặt chỉ tiêu «{indicator}» cho loại đơn vị này',
  'form.na.dropped': 'không tính vào điểm tối đa',
  'form.na.fullMarks': 'đạt điểm tối đa theo bộ tiêu chí',
  'form.status.NOT_REPORTED': 'Chưa báo cáo: {points}',
  'form.warningsTitle': 'Cảnh báo: số liệu có thể chưa khớp nhau (vẫn được lưu), đề nghị ' +
      'kiểm tra lại',
  'form.warningGo': 'Bấm để đến ô nhập số liệu này',
  // Why the form is read-only, and what can be done.
  'form.readOnly.deadline': 'Đã hết hạn tự đánh giá lúc {time}: biểu mẫu chỉ xem được, ' +
      'không sửa được.',
  'form.readOnly.submitted': 'Đơn vị đã nộp tự đánh giá lúc {time}: biểu mẫu chỉ xem được.',
  'form.readOnly.appraisal': 'Kỳ đánh giá đang ở giai đoạn «{phase}»: biểu mẫu chỉ xem được.',
  'form.readOnly.notOpen': 'Kỳ đánh giá chưa mở để tự đánh giá (giai đoạn «{phase}»).',
  'form.readOnly.final': 'Kết quả của đơn vị đã được chốt.',
  'appraisal.lockedServer': 'Chỉ xem được lúc này (máy chủ trả lời: {why}).',
  'form.readOnly.server': 'Biểu mẫu chỉ xem được lúc này (máy chủ trả lời: {why}).',
  'form.readOnly.what': 'Cần sửa số liệu? Hãy đề nghị Phòng Nội vụ mở lại biểu mẫu cho ' +
      'đơn vị.',
  'form.readOnly.whatLater': 'Phòng Nội vụ sẽ báo khi cần đơn vị giải trình.',
  'form.readOnly.neverSubmitted': 'Kỳ đánh giá đã sang giai đoạn «{phase}» mà đơn vị chưa ' +
      'nộp tự đánh giá: biểu mẫu chỉ xem được.',
  'form.readOnly.whatNeverSubmitted': 'Cần nộp bổ sung? Hãy liên hệ Phòng Nội vụ để được mở ' +
      'lại biểu mẫu.',
  'form.draftNotSavable': 'Trình duyệt này còn giữ {n} ô đã nhập nhưng chưa lưu; biểu mẫu ' +
      'không còn sửa được nên các ô đó không được gửi.',

  // ---- values the engine explains ----
  'field.negativeCount': 'số liệu không được âm ({n})',
  'field.negative': 'giá trị không được âm ({n})',
  'field.countTooLarge': 'số quá lớn ({n})',
  'field.tooLarge': 'giá trị quá lớn ({n})',
  'field.overHundred': '{n}% lớn hơn 100%',
  'field.notWhole': '{n} không phải số nguyên',
  'field.wrongType': 'giá trị không đúng kiểu của số liệu này',
  'field.badDate': 'ngày không hợp lệ',
  'field.dateOutsideYear': 'ngày {n} nằm ngoài năm đánh giá {max} (chỉ nhận từ 01/10 năm ' +
      'trước đến 31/03 năm sau)',
  'field.scoreRange': 'điểm {n} nằm ngoài khoảng 0 – {max}',
  'field.notInteger': 'phải là số nguyên (ví dụ 784)',
  'field.notDecimal': 'phải là số, tối đa 3 chữ số thập phân (ví dụ 87,5)',
  'field.invalid': 'giá trị này chưa hợp lệ',
  'relation.≤': 'lớn hơn', 'relation.<': 'không nhỏ hơn',
  'relation.≥': 'nhỏ hơn', 'relation.>': 'không lớn hơn',

  // ---- the office's board and appraisal ----
  'board.title': 'Theo dõi kỳ đánh giá',
  'board.phase': 'Giai đoạn',
  'board.deadline': 'Hạn tự đánh giá',
  'board.count': 'Số đơn vị',
  'board.summary': '{n} ({states})',
  'board.stateCount': '{state}: {n}',
  'board.action': 'Thao tác',
  'appraisal.title': 'Thẩm định – {unit}',
  'appraisal.state': 'Trạng thái',
  'appraisal.selfTotal': 'Chỉ số tự đánh giá',
  'appraisal.total': 'Chỉ số thẩm định',
  'appraisal.back': 'Về bảng theo dõi',
  'appraisal.save': 'Lưu thẩm định',
  'appraisal.request': 'Yêu cầu giải trình',
  'appraisal.finalise': 'Hoàn thành thẩm định',
  'appraisal.ward': 'Đơn vị tự đánh giá',
  'appraisal.inputs': 'Thẩm định',
  'appraisal.points': 'Điểm thẩm định',
  'appraisal.reported': 'Đơn vị báo cáo: ',
  'appraisal.adjusted': 'đã điều chỉnh khi thẩm định',
  'appraisal.selfPoints': 'Tự chấm: {points}',
  'appraisal.commentLabel': 'Nhận xét thẩm định {code}',
  'appraisal.commentPlaceholder': 'Nhận xét',
  // A text's limit at its field (assess.js textCounter)
  'text.used': 'Đã dùng {pct}% độ dài cho phép',
  'text.tooLong': 'Quá dài ({pct}% độ dài cho phép): hãy rút gọn',
  'text.invisible': 'Có ký tự ẩn hoặc ký tự đổi chiều chữ (thường do dán từ nơi khác): ' +
      'hãy xóa rồi gõ lại đoạn này',
  'text.fixFirst': 'Chưa gửi được: một ô văn bản còn lỗi, xem dòng báo lỗi ngay dưới ô đó.',
  'text.fixFirstSave': 'Chưa lưu được: một ô văn bản còn lỗi, xem dòng báo lỗi ngay dưới ô đó.',
  'appraisal.explanation': 'Giải trình',
  'appraisal.requested': 'Đã yêu cầu: {text}',
  'appraisal.explained': 'Đơn vị giải trình: {text}',
  'appraisal.askLabel': 'Nội dung yêu cầu giải trình {code}',
  'appraisal.askPlaceholder': 'Nội dung cần giải trình',
  'appraisal.saved': 'Đã lưu thẩm định: {what}',
  'appraisal.requestedCount': 'Đã yêu cầu giải trình {n} tiêu chí',
  'appraisal.finalised': 'Đã hoàn thành thẩm định',
  // «Đã xem giải trình» (assess.js, ReviewExplanation): read, nothing changed.
  'appraisal.review': 'Đã xem giải trình',
  'appraisal.reviewed': 'Đã ghi nhận Phòng Nội vụ đã xem giải trình của đơn vị (số liệu ' +
      'không thay đổi).',
  // The appraiser's draft put back (assess.js showAppraisal).
  'appraisal.draftRestored': 'Đã khôi phục {n} ô thẩm định đã nhập nhưng chưa lưu (bản ' +
      'nháp trên máy này). Bấm «Lưu thẩm định» để lưu lên hệ thống.',
  'appraisal.draftRestoredAsks': 'Đã khôi phục {n} yêu cầu giải trình chưa gửi (bản nháp ' +
      'trên máy này): bấm «Yêu cầu giải trình» để gửi.',

  // ---- the printed self-assessment report ----
  'report.motto1': 'CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM',
  'report.motto2': 'Độc lập - Tự do - Hạnh phúc',
  'report.title': 'BÁO CÁO TỰ ĐÁNH GIÁ, CHẤM ĐIỂM CHỈ SỐ CẢI CÁCH HÀNH CHÍNH',
  'report.unit': 'Đơn vị: {unit}',
  'report.round': 'Kỳ đánh giá: {round}',
  'report.state': 'Trạng thái: {state}',
  'report.colCode': 'Mã', 'report.colCriterion': 'Tiêu chí', 'report.colFigures': 'Số liệu',
  'report.colMax': 'Điểm tối đa', 'report.colSelf': 'Tự chấm',
  'report.colEvidence': 'Tài liệu kiểm chứng',
  'report.areaTotal': 'Cộng lĩnh vực {code}',
  'report.notApplicable': 'Không áp dụng',
  'report.total': 'Tổng điểm tự đánh giá: {points} / {max} điểm; chỉ số {index}',
  'report.placeDate': '{place}, ngày {day} tháng {month} năm {year}',
  'report.signTitle': 'THỦ TRƯỞNG ĐƠN VỊ',
  'report.signNote': '(Ký, ghi rõ họ tên và đóng dấu)',
  'report.preparedBy': 'NGƯỜI LẬP BIỂU',
  'report.preparedNote': '(Ký, ghi rõ họ tên)',

  // ---- the appraisal queue (queue.js) ----
  'queue.counts': 'Số đơn vị theo trạng thái',
  'queue.search': 'Tìm theo tên hoặc mã đơn vị',
  'queue.state': 'Trạng thái',
  'queue.block': 'Khối',
  'queue.flag': 'Cần chú ý',
  'queue.sort': 'Sắp xếp',
  'queue.all': 'Tất cả',
  'queue.shown': 'Đang hiện {shown}/{total} đơn vị',
  'queue.none': 'Không có đơn vị nào khớp bộ lọc.',
  'queue.colCode': 'Mã',
  'queue.colUnit': 'Đơn vị',
  'queue.colBlock': 'Khối',
  'queue.colState': 'Trạng thái',
  'queue.colProgress': 'Tiến độ thẩm định',
  'queue.colDeadline': 'Hạn',
  'queue.colFlags': 'Cần chú ý',
  'queue.colIndex': 'Chỉ số (thẩm định)',
  'queue.open': 'Thẩm định',
  'queue.history': 'Lịch sử',
  'queue.openUnit': 'Thẩm định {unit}',
  'queue.historyUnit': 'Lịch sử {unit}',
  'queue.progress': '{done}/{total} tiêu chí',
  'queue.notAppraised': 'Chưa thẩm định',
  'queue.noDeadline': '—',
  'queue.daysLeft': 'còn {days} ngày',
  'queue.hoursLeft': 'còn {hours} giờ',
  'queue.overdueBy': 'quá hạn {days} ngày',
  'queue.reopened': 'đã mở lại',
  'flag.overdue': 'Quá hạn',
  'flag.explanation_waiting': 'Giải trình chờ xem',
  'flag.changed': 'Thay đổi sau thẩm định',
  'flag.asked': 'Đang chờ giải trình',
  'sort.code': 'Mã đơn vị',
  'sort.name': 'Tên đơn vị',
  'sort.state': 'Trạng thái',
  'sort.progress': 'Tiến độ (ít nhất trước)',
  'sort.deadline': 'Hạn gần nhất trước',
  'sort.submitted': 'Nộp gần đây nhất trước',
  'waiting.title': 'Việc chờ tôi',
  'waiting.submitted': '{n} đơn vị đã nộp, chưa thẩm định',
  'waiting.explained': '{n} đơn vị đã giải trình, chờ xem',
  'waiting.changed': '{n} đơn vị thay đổi sau lần thẩm định gần nhất',
  'waiting.overdue': '{n} đơn vị quá hạn',
  'waiting.nothing': 'Không có việc nào đang chờ.',
  'ward.submitBy': 'Nộp tự đánh giá trước {deadline}',
  'ward.submitLate': 'Đã hết hạn tự đánh giá ({deadline}): liên hệ Phòng Nội vụ để được mở lại',
  'ward.explainBy': 'Gửi giải trình {n} tiêu chí trước {deadline}:',
  'ward.explainCriterion': 'Tiêu chí {code}{reason}: {text}',
  'advance.title': 'Chuyển sang giai đoạn: {phase}',
  'advance.ready': 'Mọi đơn vị đã sẵn sàng cho giai đoạn mới.',
  'advance.notReady': '{n} đơn vị chưa sẵn sàng:',
  'advance.unitFate': '({state}): {fate}',
  'advance.confirm': 'Xác nhận chuyển giai đoạn',
  'advance.cancel': 'Hủy',
  'advance.done': 'Kỳ đánh giá đã chuyển sang giai đoạn {phase}',
  'fate.notSubmittedAppraisal':
      'chưa nộp tự đánh giá: không nộp được nữa (trừ khi được mở lại trước khi chuyển); ' +
      'Phòng Nội vụ thẩm định theo số liệu đang có',
  'fate.notAppraised': 'chưa được thẩm định: vẫn thẩm định được ở giai đoạn sau',
  'fate.askedUnanswered':
      'chưa gửi giải trình: không gửi được nữa; điểm thẩm định giữ nguyên',
  'fate.notFinal': 'chưa hoàn thành thẩm định: điểm thẩm định hiện có được chốt',
  'fate.notSubmittedFinal':
      'chưa nộp tự đánh giá: không được xếp hạng, kết quả ghi «Chưa thẩm định»',
  'fate.notAppraisedFinal':
      'chưa được thẩm định: không được xếp hạng, kết quả ghi «Chưa thẩm định» ' +
      '(muốn xếp hạng, hãy thẩm định trước khi chốt)',
  'advance.unranked':
      'Sau khi chốt, {n} đơn vị không được xếp hạng: {notSubmitted} chưa nộp tự đánh giá, ' +
      '{notAppraised} chưa được thẩm định. Chốt kết quả không tính số liệu tự đánh giá ' +
      'là điểm thẩm định.',
  'history.title': 'Lịch sử – {unit}',
  'history.when': 'Thời gian',
  'history.who': 'Người thực hiện',
  'history.what': 'Việc',
  'history.detail': 'Chi tiết, lý do',
  'history.none': 'Chưa có thao tác nào.',
  'history.back': 'Về danh sách',
  'history.state': 'Chuyển trạng thái: {before} → {after}',
  'history.entry': 'Cập nhật tiêu chí {code}',
  'history.value': 'Cập nhật số liệu {code}',
  'history.fromRecords': 'Tính lại từ dữ liệu hồ sơ: {code}',
  'history.fromTasks': 'Tính lại từ tiến độ nhiệm vụ: {code}',
  'history.evidence': 'Đính kèm tệp ({code})',
  'history.correct': 'Điều chỉnh sau khi chốt ({code})',
  'history.asked': 'Yêu cầu giải trình: {text}',
  'history.explained': 'Giải trình: {text}',
  'history.other': 'Thao tác {action}',
  'changes.title': 'Thay đổi của đơn vị kể từ lần nộp trước',
  'changes.first': 'Đây là lần nộp đầu tiên: chưa có lần nộp trước để so sánh.',
  'changes.notSubmitted': 'Đơn vị chưa nộp.',
  'changes.none': 'Không có thay đổi nào giữa hai lần nộp.',
  'changes.between': 'Giữa lần nộp lúc {from} và lần nộp lúc {to}, đơn vị đã thay đổi {n} mục:',
  'change.value': ': {before} → {after}',
  'change.self': '{code} – tự đánh giá: {before} → {after}',
  'change.comment': '{code} – ghi chú: {before} → {after}',
  'change.explanation': '{code} – giải trình: {text}',
  'change.file': '{code} – thêm tệp {name}',
  'value.none': '(trống)',
  'value.yes': 'Có',
  'value.no': 'Không',
  'value.notIssued': 'Chưa ban hành',
  'ask.reasonFor': 'Lý do yêu cầu giải trình {code}',
  'ask.choose': 'Chọn lý do yêu cầu…',
  'ask.none': 'Hãy chọn lý do và ghi nội dung cần giải trình ở ít nhất một tiêu chí.',
  'ask.textMissing': 'Hãy ghi nội dung cần giải trình cho tiêu chí {code}.',
  'reason.REASON_MISSING_EVIDENCE': 'Thiếu tài liệu kiểm chứng',
  'reason.REASON_FIGURES_MISMATCH': 'Số liệu không khớp báo cáo',
  'reason.REASON_WRONG_PERIOD': 'Sai kỳ số liệu',
  'reason.REASON_OTHER': 'Khác',

  // ---- issue 16, second pass (web16b): appended to keep merges easy ----
  'results.notAppraised': 'Chưa thẩm định',
  'upload.tooMany': 'Tiêu chí {code} đã có {count} tệp, số tệp nhiều nhất một tiêu chí ' +
      'được đính kèm. Hãy bỏ bớt tệp không đúng rồi đính kèm lại.',
  'results.unitNotAppraised': '{unit}: chưa thẩm định (điểm dưới đây theo số liệu đơn vị ' +
      'tự đánh giá)',
  'results.notPublished': 'Kết quả xếp hạng xem được sau khi kỳ đánh giá được công bố ' +
      '(giai đoạn hiện tại: «{phase}»).',
  'signout.unsaved': 'Có số liệu đã nhập nhưng chưa lưu. Đăng xuất sẽ xóa bản nháp này ' +
      'trên máy. Vẫn đăng xuất?',
  'form.saveExplanation': 'Lưu giải trình (chưa gửi)',
  'form.draftRestoredExplanation': 'Đã khôi phục {n} ô đã nhập nhưng chưa lưu (bản nháp ' +
      'trên máy này). Bấm «Lưu giải trình (chưa gửi)» để lưu lên hệ thống, hoặc «Gửi ' +
      'giải trình» để gửi cho Phòng Nội vụ.',
  'explain.saved': 'Đã lưu giải trình {n} tiêu chí (chưa gửi cho Phòng Nội vụ).',
  'explain.confirmTitle': 'Gửi giải trình {n} tiêu chí cho Phòng Nội vụ? Sau khi gửi, ' +
      'đơn vị không sửa được giải trình nữa.',
  'explain.allAnswered': 'Mọi tiêu chí được yêu cầu đều đã có nội dung giải trình.',
  'explain.unanswered': 'Còn {n} tiêu chí chưa có nội dung giải trình:',
  'explain.unansweredItem': 'Tiêu chí {code}: {text}',
  'explain.send': 'Xác nhận gửi giải trình',
  'explain.sendAnyway': 'Vẫn gửi khi còn tiêu chí chưa trả lời',
  'explain.cancel': 'Quay lại sửa',
  'submit.confirmTitle': 'Nộp tự đánh giá cho Phòng Nội vụ? Sau khi nộp, đơn vị không sửa ' +
      'được nữa, trừ khi Phòng Nội vụ mở lại.',
  'submit.allFilled': 'Mọi ô đã được nhập.',
  'submit.empty': 'Còn {n} ô chưa nhập (nộp như vậy thì các ô này không được tính điểm):',
  'submit.more': 'và {n} ô khác',
  'submit.fieldErrors': 'Chưa nộp được: {n} ô còn lỗi, xem dòng báo lỗi màu đỏ ngay dưới ô đó. ' +
      'Hãy sửa (hoặc xóa trống) ô đó rồi nộp.',
  'submit.send': 'Xác nhận nộp',
  'submit.sendAnyway': 'Vẫn nộp khi còn ô chưa nhập',
  'form.readOnly.askedLater': 'Phòng Nội vụ đã yêu cầu giải trình {n} tiêu chí (xem bên ' +
      'dưới). Đơn vị nhập và gửi giải trình khi kỳ đánh giá chuyển sang giai đoạn «Giải ' +
      'trình».',
  'form.readOnly.explained': 'Đơn vị đã gửi giải trình: biểu mẫu chỉ xem được.',
  'form.readOnly.whatExplained': 'Cần sửa giải trình? Hãy đề nghị Phòng Nội vụ mở lại ' +
      'giải trình cho đơn vị.',
  'form.readOnly.notAsked': 'Đơn vị không được yêu cầu giải trình: không cần làm gì thêm.',
  'form.readOnly.afterExplanation': 'Giai đoạn giải trình đã kết thúc: không gửi giải ' +
      'trình được nữa.',
  'ward.explainNoDeadline': 'Gửi giải trình {n} tiêu chí (không đặt hạn):',
  'ward.submitNoDeadline': 'Nộp tự đánh giá (không đặt hạn)',
  'form.printUnsaved': 'Có thay đổi chưa lưu: bấm «Lưu» trước khi in, để báo cáo in ra ' +
      'đúng số liệu đã lưu trên hệ thống.',
  'report.unsaved': 'Lưu ý: báo cáo in theo số liệu đã lưu trên hệ thống; {n} mục đã ' +
      'nhập trên màn hình nhưng chưa lưu không có trong báo cáo.',
  'appraisal.lockedUntil': 'Kỳ đánh giá đang ở giai đoạn «{phase}»: các ô thẩm định chỉ ' +
      'xem được. Ô thẩm định mở khi kỳ đánh giá chuyển sang giai đoạn «{next}» (sau hạn ' +
      'tự đánh giá {deadline}; nút chuyển giai đoạn ở bảng theo dõi).',
  'appraisal.lockedUntilAdvance': 'Kỳ đánh giá đang ở giai đoạn «{phase}»: các ô thẩm ' +
      'định chỉ xem được. Ô thẩm định mở khi kỳ đánh giá chuyển sang giai đoạn «{next}» ' +
      '(nút chuyển giai đoạn ở bảng theo dõi).',
  'appraisal.lockedFinalised': 'Kỳ đánh giá đã ở giai đoạn «{phase}»: điểm thẩm định đã ' +
      'chốt, chỉ xem được.',
  'appraisal.leaveUnsaved': 'Có số liệu thẩm định đã nhập nhưng chưa lưu (bản nháp vẫn ' +
      'được giữ trên máy này). Rời đơn vị này?',
  'appraisal.lockedFinal': 'Đơn vị đã hoàn thành thẩm định: điểm thẩm định đã chốt, chỉ ' +
      'xem được.',
  // srv16: server-side leftovers of issue 16
  'form.readOnly.submittedBy': 'Đơn vị đã nộp tự đánh giá lúc {time}, người nộp: {who}. Biểu mẫu chỉ xem được.',
  'size.bytes': '{n} byte',
  'size.KB': '{n} KB',
  'size.MB': '{n} MB',
  'who.unit': 'Tài khoản của đơn vị {unit}',
  'who.appraiser': 'Phòng Nội vụ (thẩm định)',
  'who.admin': 'Quản trị hệ thống',
  'who.reader': 'Tài khoản tra cứu',
  'who.other': 'Hệ thống',
  'history.file': '{name} ({size})',
  'history.valueCorrect': 'Điều chỉnh số liệu sau khi chốt: {code}',
  'history.askedWhy': 'Yêu cầu giải trình – lý do: {reason}; nội dung: {text}',
  'history.explanationSent': 'Đã gửi giải trình: {text}',
  'history.comment': 'Ghi chú của đơn vị: {text}',
  'history.appraisalComment': 'Nhận xét thẩm định: {text}',
  'history.reason': 'Lý do: {text}',
  'advance.afterTitle': 'Sau khi chuyển giai đoạn:',
  'after.noDeadline': '(chưa đặt hạn)',
  'after.noWayBack': 'Không thể quay lại giai đoạn trước.',
  'advance.deadlineAhead.PHASE_SELF_ASSESSMENT': 'Hạn nộp tự đánh giá ({deadline}) chưa đến ' +
      '({left}): chuyển giai đoạn bây giờ thì các đơn vị không nộp được nữa.',
  'advance.deadlineAhead.PHASE_EXPLANATION': 'Hạn gửi giải trình ({deadline}) chưa đến ' +
      '({left}): chuyển giai đoạn bây giờ thì các đơn vị không gửi giải trình được nữa.',
  'after.PHASE_SELF_ASSESSMENT.1': 'Các đơn vị bắt đầu nhập và nộp tự đánh giá, hạn nộp {selfDeadline}.',
  'after.PHASE_APPRAISAL.1': 'Đơn vị không thể sửa, đính kèm tệp hay nộp tự đánh giá nữa, kể cả đơn vị đã được mở lại.',
  'after.PHASE_APPRAISAL.2': 'Phòng Nội vụ thẩm định và có thể yêu cầu đơn vị giải trình từng tiêu chí.',
  'after.PHASE_EXPLANATION.1': 'Không thể yêu cầu đơn vị giải trình thêm: chỉ các yêu cầu đã gửi còn hiệu lực.',
  'after.PHASE_EXPLANATION.2': 'Đơn vị được yêu cầu giải trình gửi giải trình đến hạn {explanationDeadline}.',
  'after.PHASE_EXPLANATION.3': 'Phòng Nội vụ vẫn thẩm định được.',
  'after.PHASE_FINAL_APPRAISAL.1': 'Đơn vị không thể giải trình hay gửi giải trình nữa; giải trình chưa gửi sẽ không được xem xét.',
  'after.PHASE_FINAL_APPRAISAL.2': 'Phòng Nội vụ thẩm định lần cuối và chốt kết quả từng đơn vị.',
  'after.PHASE_FINALISED.1': 'Mọi đơn vị được chốt kết quả; điểm chỉ sửa được bằng điều chỉnh có lý do, được ghi vào nhật ký.',
  'after.PHASE_FINALISED.2': 'Hạn của kỳ đánh giá không đổi được nữa.',
  'after.PHASE_PUBLISHED.1': 'Kết quả và xếp hạng được công bố cho mọi đơn vị và người tra cứu.',
  'ask.reasonMissing': 'Hãy chọn lý do yêu cầu giải trình cho tiêu chí {code}.',
  // Plan tasks (tasks.js)
  'tasks.title': 'Nhiệm vụ của Kế hoạch cải cách hành chính',
  'tasks.intro': 'Tiến độ từng nhiệm vụ được giao. Nhiệm vụ quá hạn là nhiệm vụ chưa hoàn thành khi đã hết thời hạn ghi trong kế hoạch (giờ Việt Nam).',
  'tasks.asOf': 'Tình trạng tính đến ngày {day}.',
  'tasks.onlyOverdue': 'Chỉ hiện nhiệm vụ quá hạn',
  'tasks.empty': 'Chưa có nhiệm vụ nào.',
  'tasks.colNumber': 'STT',
  'tasks.colTask': 'Nhiệm vụ',
  'tasks.colDue': 'Thời hạn',
  'tasks.colUnit': 'Đơn vị',
  'tasks.colState': 'Tình trạng',
  'tasks.colAction': 'Cập nhật tiến độ',
  'tasks.noDue': 'không có hạn cụ thể',
  'tasks.lead': 'chủ trì',
  'tasks.coordinating': 'phối hợp',
  'tasks.unassigned': 'Chưa giao',
  'taskState.TASK_NOT_STARTED': 'Chưa thực hiện',
  'taskState.TASK_IN_PROGRESS': 'Đang thực hiện',
  'taskState.TASK_DONE': 'Đã hoàn thành',
  'tasks.doneOn': 'ngày {day}',
  'tasks.overdue': 'Quá hạn',
  'tasks.late': 'Hoàn thành trễ hạn',
  'tasks.state': 'Tình trạng',
  'tasks.doneDate': 'Ngày hoàn thành',
  'tasks.evidence': 'Văn bản, minh chứng',
  'tasks.save': 'Lưu tiến độ',
  'tasks.saved': 'Đã lưu tiến độ nhiệm vụ {number}.',
  'tasks.assignTitle': 'Giao nhiệm vụ cho đơn vị',
  'tasks.assignTask': 'Nhiệm vụ',
  'tasks.assignLead': 'Đơn vị chủ trì (mã đơn vị, cách nhau bởi dấu phẩy)',
  'tasks.assignCoordinating': 'Đơn vị phối hợp (mã đơn vị, cách nhau bởi dấu phẩy)',
  'tasks.assign': 'Giao nhiệm vụ',
  'tasks.assigned': 'Đã giao nhiệm vụ số {number}.',
  'tasks.reportTitle': 'Báo cáo tiến độ theo quý',
  'tasks.quarter': 'Kỳ báo cáo',
  'tasks.q1': 'Quý I (báo cáo ngày 14/3)',
  'tasks.q2': 'Quý II (báo cáo ngày 14/6)',
  'tasks.q3': 'Quý III (báo cáo ngày 14/9)',
  'tasks.q4': 'Quý IV (báo cáo ngày 14/12)',
  'tasks.reportShow': 'Xem báo cáo',
  'tasks.reportPeriod': 'Nhiệm vụ đến hạn từ ngày {from} đến ngày {to}.',
  'tasks.colLed': 'Số nhiệm vụ chủ trì',
  'tasks.colDueCount': 'Đến hạn trong kỳ',
  'tasks.colOnTime': 'Hoàn thành đúng hạn',
  'tasks.colLate': 'Hoàn thành trễ hạn',
  'tasks.colOpen': 'Chưa hoàn thành',
  'tasks.colOverdue': 'Nhiệm vụ quá hạn (STT)',
  'tasks.from': 'Tính từ tiến độ nhiệm vụ: {done} trên {due} nhiệm vụ đến hạn được hoàn thành đúng hạn, kỳ kết thúc ngày {end}.',
  'tasks.readOnly': 'Đơn vị không sửa được số này; hãy cập nhật tiến độ ở mục «Nhiệm vụ kế hoạch», hoặc trao đổi với Phòng Nội vụ.',

  // "Why this number" (records.js)
  'records.from': 'Tính từ dữ liệu hồ sơ: {dossiers} hồ sơ, lần nhập số {import}, kỳ kết thúc {end}.',
  'records.readOnly': 'Đơn vị không sửa được số này; nếu thấy chưa đúng, hãy trao đổi với Phòng Nội vụ (ý kiến hoặc giải trình).',
  'records.why': 'Vì sao có số này?',
  'records.count': 'Các hồ sơ được tính ({count}):',
  'records.more': 'Xem thêm hồ sơ',
  'records.none': 'Không có hồ sơ nào được tính.',
  'records.loading': 'Đang tải danh sách hồ sơ…',

  // Files: the chooser (Chromium's own is in English) and removing a file
  'file.choose': 'Chọn tệp…',
  'file.chooseFor': 'Chọn tệp… cho tiêu chí {code}',
  'file.noneChosen': 'Chưa chọn tệp nào',
  'file.chosen': 'Tệp đã chọn:',
  'file.remove': 'Xóa',
  'file.removeLabel': 'Xóa tệp {name}',
  'file.removeQuestion': 'Xóa tệp {name} khỏi tiêu chí {code}? Lịch sử của đơn vị vẫn ' +
      'ghi tên, dung lượng và mã SHA-256 của tệp đã xóa.',
  'file.removeYes': 'Xóa tệp',
  'file.removeNo': 'Không xóa',
  'file.removed': 'Đã xóa tệp {name} khỏi tiêu chí {code}.',
  'file.removeRefused': 'Không xóa được tệp {name}: {why}',
  'file.removeRefused.FAILED_PRECONDITION': 'Không xóa được tệp {name}: ở giai đoạn, ' +
      'trạng thái hiện tại, tệp này không còn xóa được.',
  'file.removeRefused.PERMISSION_DENIED': 'Không xóa được tệp {name}: tệp do bên khác ' +
      'đính kèm, chỉ bên đó được xóa.',
  'file.removeRefused.ABORTED': 'Không xóa được tệp {name}: tiêu chí vừa được người khác ' +
      'thay đổi; hãy tải lại trang rồi làm lại.',
  'file.removeRefused.NOT_FOUND': 'Không xóa được tệp {name}: tệp không còn trong biểu ' +
      'mẫu (có thể đã được xóa).',
  'form.dateHint': '(ngày/tháng/năm)',
  'history.evidenceRemoved': 'Xóa tệp ({code})',
  'history.fileRemoved': '{name} ({size}; SHA-256: {sha})',
  'change.fileRemoved': '{code} – xóa tệp {name}',

  // A restored draft over a value saved since (assess.js showDraftConflict)
  'draft.conflict': 'Đã có người lưu {stored} lúc {time}; bản nháp trên máy này là {mine}. ' +
      'Giữ số nào?',
  'draft.keepMine': 'Giữ số của bản nháp',
  'draft.keepStored': 'Dùng số đã lưu',
  'draft.chooseFirst': 'Hãy chọn giữ số của bản nháp hay số đã lưu trước khi lưu.',

  // ---- issue 16, a16: a unit that never started has no self-assessed index; a
  // survey import in a unit's history ----
  'results.notStarted': 'Chưa tự đánh giá',
  'results.unitNotStarted': '{unit}: chưa tự đánh giá (đơn vị chưa nhập số liệu nào)',
  'history.survey': 'Nhập kết quả khảo sát ({code})',
  'history.reviewed': 'Đã xem giải trình của đơn vị (không thay đổi số liệu)',
};

// The text of `key` with each "{name}" replaced by params[name]. A key the table lacks
// is a mistake of the page: it shows as itself, so that a test walking the page sees it.
function msg(key, params) {
  const template = MESSAGES[key];
  if (template === undefined) return key;
  return template.replace(/\{(\w+)\}/g, (whole, name) =>
    params && params[name] !== undefined ? String(params[name]) : whole);
}

// The text of `key` when the table has it (a phase, a state, a block), else `fallback`'s.
function msgOr(key, fallback, params) {
  return MESSAGES[key] !== undefined ? msg(key, params) : msg(fallback, params);
}

// Puts a Vietnamese message into `target` and, under it, the server's own words when
// there are any (a secondary line, marked as English for screen readers).
function showText(target, text, serverWords) {
  if (typeof target === 'string') target = document.getElementById(target);
  if (!target) return;
  target.replaceChildren();
  delete target.dataset.kept;
  if (text) target.append(text);
  if (serverWords) {
    const words = document.createElement('span');
    words.className = 'server-words';
    words.lang = 'en';
    words.textContent = serverWords;
    target.append(words);
  }
}

// An Error (or anything thrown) in `target`: its Vietnamese message, and the server's
// words (error.serverWords) in the secondary line.
function showError(target, error) {
  if (!error) return showText(target, '');
  showText(target, error.message || msg('error.other'), error.serverWords || '');
  // An error not about typed values (error.kept) stays through the next live preview.
  if (!error.kept) return;
  const line = typeof target === 'string' ? document.getElementById(target) : target;
  if (line) line.dataset.kept = '1';
}

// Static text of index.html: data-m="key" sets an element's text, data-m-<attribute>
// one of its attributes (aria-label, placeholder, title).
function applyMessages(root) {
  for (const e of root.querySelectorAll('*')) {
    for (const a of [...e.attributes]) {
      if (a.name === 'data-m') e.textContent = msg(a.value);
      else if (a.name.startsWith('data-m-')) e.setAttribute(a.name.slice(7), msg(a.value));
    }
  }
}

applyMessages(document);
document.title = msg('app.pageTitle');
