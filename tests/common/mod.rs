//! Facts shared by several test files.

/// The centre's classes in the reported year (domain.md §6): class type,
/// classes, learners. The joint class (55 learners) is reported apart.
pub const CLASSES_2021: [(&str, usize, usize); 11] = [
    ("Nhận thức về Đảng", 2, 77),
    (
        "Bồi dưỡng công tác Đảng cho Bí thư chi bộ và cấp ủy viên cơ sở",
        1,
        42,
    ),
    (
        "Bồi dưỡng LLCT và chuyên môn nghiệp vụ công tác Dân vận ở cơ sở",
        1,
        55,
    ),
    ("Bồi dưỡng nghiệp vụ công tác Đoàn ở cơ sở", 1, 50),
    (
        "Bồi dưỡng nghiệp vụ công tác Tuyên giáo và tuyên truyền miệng ở cơ sở",
        1,
        50,
    ),
    ("Bồi dưỡng nghiệp vụ công tác Đội", 1, 30),
    (
        "Bồi dưỡng LLCT và chuyên môn nghiệp vụ công tác Mặt trận ở cơ sở",
        1,
        50,
    ),
    (
        "Bồi dưỡng LLCT và chuyên môn nghiệp vụ công tác Hội Nông dân ở cơ sở",
        1,
        50,
    ),
    (
        "Bồi dưỡng LLCT và chuyên môn nghiệp vụ công tác Công đoàn",
        1,
        50,
    ),
    ("Đảng viên mới", 1, 33),
    ("Sơ cấp lý luận chính trị", 1, 35),
];
