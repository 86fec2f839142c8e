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

    /// One image revision in `images --json`.
    struct Listed: Encodable {
        let repository: String
        let name: String
        let revision: Int
        let kind: String
        let owner: String
        let size: Int64
        let timestamp: Double
        let description: String?
    }

    static func jsonListing(_ images: [StoredImage]) -> String {
        let listed = images.map { image in
            Listed(
                repository: image.repositoryName, name: image.name, revision: image.revision, kind: image.kind,
                owner: image.metadata.owner, size: image.size(), timestamp: image.metadata.timestamp,
                description: image.metadata.description)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding plain strings and numbers cannot fail.
        let data = (try? encoder.encode(listed)) ?? Data("[]".utf8)
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
