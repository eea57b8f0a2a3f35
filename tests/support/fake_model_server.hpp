#pragma once

// Runs tests/support/fake_model_server.py for one test: writes the script to a temporary folder,
// starts the server on a free loopback port, reads back the requests it received, and stops it
// when the object goes away. The server also stops when the test process dies.

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace quire::test_support {

class FakeModelServer {
public:
    // `script` is the JSON text described at the top of fake_model_server.py. Throws
    // std::runtime_error when the server does not come up within ten seconds.
    explicit FakeModelServer(std::string_view script) {
        // Loopback requests must not go through a proxy the environment may name.
        setenv("NO_PROXY", "127.0.0.1,localhost", 0);
        // mkdtemp replaces the template's last six characters.
        std::string pattern =
            std::filesystem::temp_directory_path() / ("quire-fake-model-" + std::string(6, 'X'));
        if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
        dir_ = pattern;
        std::ofstream(dir_ / "script.json") << script;
        try {
            Start();
        } catch (...) {
            Stop();
            throw;
        }
    }

    ~FakeModelServer() { Stop(); }

    FakeModelServer(const FakeModelServer&) = delete;
    FakeModelServer& operator=(const FakeModelServer&) = delete;

    int port() const { return port_; }
    std::string BaseUrl() const { return "http://127.0.0.1:" + std::to_string(port_); }

    // Every request received so far, oldest first, as the server logged them.
    std::vector<boost::json::object> Requests() const {
        std::vector<boost::json::object> requests;
        std::ifstream log(dir_ / "requests.jsonl");
        for (std::string line; std::getline(log, line);) {
            if (!line.empty()) requests.push_back(boost::json::parse(line).as_object());
        }
        return requests;
    }

private:
    void Start() {
        int out[2];
        if (pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
        std::string program = "/usr/bin/python3";
        std::string server = std::string(QUIRE_SOURCE_DIR) + "/tests/support/fake_model_server.py";
        std::string script = dir_ / "script.json";
        std::string log = dir_ / "requests.jsonl";
        std::string errors = dir_ / "stderr.txt";
        std::vector<char*> argv{program.data(), server.data(),
                                script.data(),  const_cast<char*>("--log"),
                                log.data(),     nullptr};
        pid_ = fork();
        if (pid_ < 0) throw std::runtime_error("fork failed");
        if (pid_ == 0) {
            prctl(PR_SET_PDEATHSIG, SIGTERM);
            dup2(out[1], STDOUT_FILENO);
            int err = open(errors.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
            if (err >= 0) dup2(err, STDERR_FILENO);
            execv(program.c_str(), argv.data());
            _exit(127);
        }
        close(out[1]);
        stdout_fd_ = out[0];
        port_ = ReadPort();
    }

    void Stop() {
        if (pid_ > 0) {
            kill(pid_, SIGTERM);
            int status = 0;
            waitpid(pid_, &status, 0);
            pid_ = -1;
        }
        if (stdout_fd_ >= 0) close(stdout_fd_);
        stdout_fd_ = -1;
        std::error_code ignored;
        std::filesystem::remove_all(dir_, ignored);
    }

    int ReadPort() {
        std::string line;
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (line.find('\n') == std::string::npos) {
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            pollfd fd{stdout_fd_, POLLIN, 0};
            if (left.count() <= 0 || poll(&fd, 1, static_cast<int>(left.count())) <= 0) {
                throw std::runtime_error("the fake model server did not print its port");
            }
            char buffer[64];
            ssize_t n = read(stdout_fd_, buffer, sizeof buffer);
            if (n <= 0) {
                std::ifstream err(dir_ / "stderr.txt");
                std::string why((std::istreambuf_iterator<char>(err)), {});
                throw std::runtime_error("the fake model server exited at start: " + why);
            }
            line.append(buffer, static_cast<std::size_t>(n));
        }
        return std::stoi(line);
    }

    std::filesystem::path dir_;
    pid_t pid_ = -1;
    int stdout_fd_ = -1;
    int port_ = 0;
};

}  // namespace quire::test_support
