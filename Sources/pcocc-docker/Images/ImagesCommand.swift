import ArgumentParser
import Foundation
import ImageRepo

/// `pcocc-docker images`: the images of the pcocc repositories, like `docker images`.
struct ImagesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "images", abstract: "List the images of the pcocc repositories.")

    @Option(name: .long, help: "Only list the images of this repository.")
    var repo: String?

    @Flag(name: .long, help: "Print a JSON array instead of a table.")
    var json = false

    func run() async throws {
        let repositories = try ImageRepositories.load()
        let images = try repositories.list(repository: repo)
        let output = json ? Self.jsonListing(images) : Self.table(images)
        FileHandle.standardOutput.write(Data(output.utf8))
    }

    static func table(_ images: [StoredImage]) -> String {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        formatter.timeZone = .current
        let rows =
            [["REPOSITORY", "NAME", "REVISION", "KIND", "SIZE", "CREATED"]]
            + images.map { image in
                [
                    image.repositoryName, image.name, String(image.revision), image.kind, humanSize(image.size()),
                    formatter.string(from: Date(timeIntervalSince1970: image.metadata.timestamp)),
                ]
            }
        let widths = rows[0].indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { column, cell in
                column == row.count - 1 ? cell : cell.padding(toLength: widths[column] + 3, withPad: " ", startingAt: 0)
            }.joined()
        }.joined(separator: "\n") + "\n"
    }

    /// Docker's size style: three significant digits, decimal units.
    static func humanSize(_ bytes: Int64) -> String {
        let units = ["B", "kB", "MB", "GB", "TB", "PB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1000 && unit < units.count - 1 {
            value /= 1000
            unit += 1
        }
        return String(format: "%.3g", value) + units[unit]
    }

    static func jsonListing(_ images: [StoredImage]) -> String {
        let entries = images.map { image in
            var members: [PythonJSON.Member] = [
                .init("repository", .string(image.repositoryName)), .init("name", .string(image.name)),
                .init("revision", .int(image.revision)), .init("kind", .string(image.kind)),
                .init("owner", .string(image.metadata.owner)), .init("size", .integer(String(image.size()))),
                .init("timestamp", .double(image.metadata.timestamp)),
            ]
            if let description = image.metadata.description {
                members.append(.init("description", .string(description)))
            }
            return PythonJSON.Value.object(members)
        }
        return PythonJSON.dumps(.array(entries)) + "\n"
    }
}
