//! Issue 18: one build runs on every x86-64-v3 CPU. The test binary is the one this
//! machine built (`.cargo/config.toml`: `target-cpu=x86-64-v3`); qemu's user-mode
//! emulator runs it as an Intel Haswell, a CPU with AVX2 and FMA but no AVX-512, so
//! an instruction this CPU has and Haswell lacks ends it with SIGILL. `.ci/run`
//! installs qemu-user; without it the test fails and says so.
#![cfg(target_arch = "x86_64")]

use std::process::Command;

fn on_haswell(args: &[&str], envs: &[(&str, &str)]) -> std::process::Output {
    let mut c = Command::new("qemu-x86_64");
    c.args(["-cpu", "Haswell-v4", env!("CARGO_BIN_EXE_nl2sql")]).args(args).current_dir(catalog::repo_root());
    for (k, v) in envs {
        c.env(k, v);
    }
    c.output().expect("qemu-x86_64 is missing: apt-get install -y qemu-user (as .ci/run does)")
}

#[test]
fn the_release_binary_runs_on_an_avx2_only_cpu() {
    let out = on_haswell(&["sql", "SELECT 公司名称 FROM big WHERE 年份 = '2021年' ORDER BY 营业收入 DESC LIMIT 1"], &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{:?}: {stderr}", out.status);
    assert!(String::from_utf8_lossy(&out.stdout).contains("上海汽车集团股份有限公司"));
    // The kernel check sees the emulated CPU: AVX-512 VNNI is refused there, by name.
    let forced = on_haswell(&["ask", "2021年贵州茅台的营业收入是多少元？"], &[("NL2SQL_KERNEL", "avx512vnni")]);
    let stderr = String::from_utf8_lossy(&forced.stderr);
    assert!(!forced.status.success() && forced.status.code().is_some(), "{:?}: {stderr}", forced.status);
    assert!(stderr.contains("this CPU lacks avx512f"), "{stderr}");
    // Haswell has no AVX-VNNI either.
    let forced = on_haswell(&["ask", "2021年贵州茅台的营业收入是多少元？"], &[("NL2SQL_KERNEL", "avxvnni")]);
    let stderr = String::from_utf8_lossy(&forced.stderr);
    assert!(!forced.status.success() && forced.status.code().is_some(), "{:?}: {stderr}", forced.status);
    assert!(stderr.contains("this CPU lacks avxvnni"), "{stderr}");
}
