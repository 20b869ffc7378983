"""English for the onboarding pages (Vietnamese is the source language)."""

ENGLISH = {
    "Chi bộ của tôi": "My branch",
    "Kích hoạt tài khoản": "Activate your account",
    "Lần đầu đăng nhập": "First sign-in",
    "Nhập tên đăng nhập và mã kích hoạt trên phiếu chi bộ phát cho bạn, rồi tự đặt mật khẩu. Mã chỉ dùng được một lần.":
        "Enter your username and the activation code on the slip your branch gave you, then choose "
        "your password. The code works once.",
    "Mã kích hoạt": "Activation code",
    "Mật khẩu mới": "New password",
    "Nhập lại mật khẩu mới": "New password again",
    "Hai mật khẩu không khớp.": "The two passwords differ.",
    "Mật khẩu từ {n} ký tự, không chứa tên đăng nhập, không phải mật khẩu phổ biến (123456, matkhau…). Một câu ngắn dễ nhớ là lựa chọn tốt.":
        "At least {n} characters, not containing your username, not a common password "
        "(123456, matkhau…). A short sentence you remember is a good choice.",
    "Đặt mật khẩu và đăng nhập": "Set the password and sign in",
    "Đã có mật khẩu? Đăng nhập": "Have a password? Sign in",
    "Lần đầu đăng nhập? Dùng mã kích hoạt": "First time here? Use your activation code",
    "Đã đặt mật khẩu. Chào mừng bạn đến với Tủ sách điện tử!": "Password set. Welcome to Tủ sách điện tử!",
    "Tên đăng nhập hoặc mã kích hoạt không đúng, hoặc mã đã dùng hay hết hạn.":
        "Wrong username or activation code, or the code was used or has expired.",
    "Mật khẩu này quá phổ biến, dễ bị đoán. Vui lòng chọn mật khẩu khác.":
        "This password is too common and easy to guess. Please choose another.",
    "Mật khẩu không được chứa tên đăng nhập.": "The password must not contain the username.",
    "Thành viên chi bộ": "Branch members",
    "Phiếu mã kích hoạt": "Activation slips",
    "{n} thành viên chưa đặt mật khẩu. In phiếu sẽ cấp mã mới cho họ; mã in trước đó của những người này không dùng được nữa.":
        "{n} members have no password yet. Printing slips gives them new codes; codes printed "
        "before for them stop working.",
    "In phiếu (PDF, A4)": "Print slips (PDF, A4)",
    "Tải bảng mã (XLSX)": "Download the codes (XLSX)",
    "Mọi thành viên đã đặt mật khẩu.": "Every member has set a password.",
    "Mọi thành viên của chi bộ đã đặt mật khẩu: không có phiếu nào để in.":
        "Every member of the branch has a password: no slips to print.",
    "Tài khoản": "Account",
    "Đăng nhập gần nhất": "Last sign-in",
    "Đăng nhập qua thư mục tổ chức": "Signs in through the organisation's directory",
    "Đã kích hoạt": "Activated",
    "Chưa kích hoạt; mã còn hạn đến {d}": "Not activated; code valid until {d}",
    "Mã đã hết hạn": "Code expired",
    "Chưa có mã": "No code yet",
    "Cấp lại mã": "Issue a new code",
    "Cấp lại và in phiếu": "New code as a slip",
    "Cấp lại mã cho thành viên quên mật khẩu hoặc làm mất phiếu: mã cũ hết hiệu lực; khi dùng mã mới, mật khẩu cũ, các phiên đăng nhập và token API của họ đều chấm dứt.":
        "Issue a new code to a member who forgot the password or lost the slip: the old code "
        "stops working; once the new one is used, the old password, sessions and API tokens end.",
    "Mã kích hoạt mới": "New activation code",
    "Chỉ hiện một lần. Dùng được một lần, đến ngày {d}, tại {url}":
        "Shown once. Works once, until {d}, at {url}",
    "Về danh sách thành viên": "Back to the members",
    "Đăng xuất mọi nơi": "Sign out everywhere",
    "Đăng xuất khỏi mọi thiết bị khác": "Sign out of every other device",
    "Mọi phiên đăng nhập khác của bạn (điện thoại, máy tính khác) sẽ chấm dứt; trang này vẫn đăng nhập.":
        "Every other session of yours (phone, other computers) ends; this page stays signed in.",
    "Thu hồi cả mọi token API": "Revoke every API token too",
    "Đã đăng xuất mọi thiết bị khác.": "Signed out of every other device.",
    "Đã đăng xuất mọi thiết bị khác và thu hồi {n} token.":
        "Signed out of every other device and revoked {n} tokens.",
    "Đăng nhập bằng {name}": "Sign in with {name}",
    "hoặc": "or",
    "Không đăng nhập được qua nhà cung cấp định danh. Vui lòng thử lại.":
        "Signing in through the identity provider failed. Please try again.",
}
ENGLISH.update({
    "Sau khi đổi, mọi phiên đăng nhập khác của bạn sẽ bị đăng xuất và mọi token API bị thu hồi.":
        "After the change every other session of yours is signed out and every API token revoked.",
    "Bạn đăng nhập bằng tài khoản của hệ thống thư mục tổ chức; mật khẩu được đổi ở đó.":
        "You sign in with the organisation's directory account; its password is changed there.",
})
ENGLISH.update({"Thành viên và phiếu": "Members and slips"})
